// A small program the runtime tests trace, so that every event they see is one they made.
//   scry_target open N PATH   open and close PATH N times
//   scry_target spin MS       keep a CPU busy for MS milliseconds (for profile:)
//   scry_target sleep MS      sleep MS milliseconds
//   scry_target stat PATH     statx() PATH once
//   scry_target sync          fsync() a file of the system, then sync()
//   scry_target kill          kill(getpid(), 0): a signal check on itself
//   scry_target setuid        setuid(0) (the tests run as root)
//   scry_target cold          scry_target_greet() of a string on a never-touched page
//   scry_target watch         write the global scry_watched 3 times
//   scry_target watchself     count its own 3 writes with a perf breakpoint: exits 0 if this
//                             machine's debug registers fire (some VMs never fire them)
//   scry_target usdt          USDT probe scry:tick(i, "tock") for i = 1..3, then scry:ping(7),
//                             which has a semaphore
//   scry_target usdtloop MS   scry:tick(i, "tock") every 50 ms for MS ms (for -p)
//   scry_target getppid N P   P processes at once, each calling getppid() N times
//   scry_target watcharg      scry_target_bump(a), scry_target_bump(b), twice; then *a = 7
//   scry_target nest          main -> scry_stack_outer -> scry_stack_middle -> scry_stack_inner,
//                             which calls getppid() (for ustack/kstack: the names are known)
//   scry_target jit           run getppid() from code made at run time, named in
//                             /tmp/perf-PID.map as scry_jit_getppid (as JIT runtimes do)
//   scry_target tcp PORT      a listener on 127.0.0.1:PORT, a connection to it, "ping" sent
//                             and "pong" answered, all closed (tcpconnect, tcpaccept, tcplife)
//   scry_target retransmit PORT  a SYN to a listener whose accept queue is full: the kernel
//                             drops it, and sends it again a second later (tcpretrans)
//   scry_target oom CGROUP    a child in the new cgroup v2 CGROUP (32 MiB, no swap) that
//                             allocates until the kernel's OOM killer kills it (oomkill)
//   scry_target unix          "scry-unix-data" through a UNIX stream socket pair (undump)
//   scry_target call          call scry_target_add(2, 3), scry_target_greet("world"),
//                             scry_target_point(&{7, 35, "seven"}) and scry_target_shape()
//                             (for uprobes)
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sdt.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// Functions for uprobes: not inlined, with int, string and struct arguments.
struct scry_point {
  int x;
  long y;
  char name[8];
};

// Every kind of member a whole-struct print shows: nested struct, bitfields, an array, an
// anonymous union, a pointer.
struct scry_shape {
  int id;
  struct scry_point at;
  unsigned int flags : 3, mode : 5;
  short vals[3];
  union {
    long as_long;
    unsigned char as_bytes[8];
  };
  const char* label;
};

// In target_semaphore.c: the scry:ping probe, guarded by its semaphore.
void scry_target_ping(int n);
// In target_cpp.cpp: calls scry::Counter::bump(by) twice.
long scry_target_cpp(long by);

// Written 3 times by "watch": a watchpoint on it fires 3 times. The binary is not PIE, so
// its address (nm) is the address at run time.
volatile long scry_watched;

// For watchpoint:scry_target_bump+arg0: writes *p once per call. Not in its first instruction:
// the uprobe that arms the watchpoint runs that one before the process stops (bpftrace's too).
__attribute__((noipa)) void scry_target_bump(int* p) {
  __asm__ volatile("nop");
  (*p)++;
}
// Read through uaddr(): an int, so *uaddr("scry_int_value") reads 4 bytes.
volatile int scry_int_value = -2;

__attribute__((noinline)) int scry_target_add(int a, int b) { return a + b; }

__attribute__((noinline)) const char* scry_target_greet(const char* who) { return who; }

// Reads every member, so the compiler keeps them all in memory for the probes to see.
__attribute__((noinline)) long scry_target_point(struct scry_point* p) { return p->x + p->y + p->name[0]; }

// A global, so that every member is in memory (a local would only get the members the
// callee reads: the compiler sees through noinline).
struct scry_shape scry_shape_value = {-3, {1, -2, "in"}, 5, 17, {10, -20, 30}, {.as_long = 0x0102030405060708}, "label"};
__attribute__((noinline)) long scry_target_shape(struct scry_shape* s) { return s->id + s->vals[0] + s->as_long; }

// A known call chain for stack tests. Frame-pointer unwinding from a syscall skips the frame
// of the function that made the call (libc's wrapper keeps its caller's frame pointer), so the
// tests look for middle, outer and main.
__attribute__((noinline)) long scry_stack_inner(int n) { return getppid() + n; }
__attribute__((noinline)) long scry_stack_middle(int n) { return scry_stack_inner(n + 1) + 1; }
__attribute__((noinline)) long scry_stack_outer(int n) { return scry_stack_middle(n + 1) + 1; }

static int tcp_listener(int port, int backlog, struct sockaddr_in* a) {
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (l < 0 || bind(l, (struct sockaddr*)a, sizeof *a) != 0 || listen(l, backlog) != 0) return -1;
  return l;
}

static int tcp_exchange(int port) {
  struct sockaddr_in a;
  int l = tcp_listener(port, 1, &a), c = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0 || connect(c, (struct sockaddr*)&a, sizeof a) != 0) return 1;
  int s = accept(l, NULL, NULL);
  char buf[4];
  int ok = write(c, "ping", 4) == 4 && read(s, buf, 4) == 4 && write(s, "pong", 4) == 4 && read(c, buf, 4) == 4;
  close(c);
  close(s);
  close(l);
  return ok ? 0 : 1;
}

static int tcp_retransmit(int port) {
  struct sockaddr_in a;
  int l = tcp_listener(port, 0, &a), first = socket(AF_INET, SOCK_STREAM, 0);
  // A backlog of 0 queues one connection; the listener drops the next SYN.
  if (l < 0 || connect(first, (struct sockaddr*)&a, sizeof a) != 0) return 1;
  int second = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(second, (struct sockaddr*)&a, sizeof a);
  usleep(1600 * 1000);  // the first retransmission of the SYN is due after 1 s
  close(second);
  close(first);
  close(l);
  return 0;
}

static int write_file(const char* dir, const char* name, const char* text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY);
  int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  if (fd >= 0) close(fd);
  return ok;
}

static int oom_in_cgroup(const char* cgroup) {
  if (mkdir(cgroup, 0755) != 0 || !write_file(cgroup, "memory.max", "33554432") ||
      !write_file(cgroup, "memory.swap.max", "0"))
    return 1;
  pid_t child = fork();
  if (child == 0) {
    char pid[32];
    snprintf(pid, sizeof pid, "%d", getpid());
    if (!write_file(cgroup, "cgroup.procs", pid)) _exit(1);
    for (;;) {  // touched pages, until the cgroup's OOM killer ends it
      char* p = malloc(1 << 20);
      if (p) memset(p, 1, 1 << 20);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  rmdir(cgroup);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

static int unix_exchange(void) {
  int sv[2];
  char buf[32];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  int ok = write(sv[0], "scry-unix-data", 14) == 14 && read(sv[1], buf, sizeof buf) == 14;
  close(sv[0]);
  close(sv[1]);
  return ok ? 0 : 1;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "open") == 0) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      int fd = open(argv[3], O_RDONLY);
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "spin") == 0) {
    long long end = now_ms() + atoi(argv[2]);
    volatile unsigned long x = 0;
    while (now_ms() < end) x++;
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    usleep((useconds_t)atoi(argv[2]) * 1000);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "stat") == 0) {
    // statx: glibc's stat() is newfstatat, which tools such as statsnoop do not trace.
    struct statx st;
    return statx(AT_FDCWD, argv[2], 0, STATX_BASIC_STATS, &st) == 0 ? 0 : 1;
  }
  if (argc == 2 && strcmp(argv[1], "sync") == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
      fdatasync(fd);
      close(fd);
    }
    sync();
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "kill") == 0) return kill(getpid(), 0);
  if (argc == 2 && strcmp(argv[1], "usdt") == 0) {
    for (int i = 1; i <= 3; i++) DTRACE_PROBE2(scry, tick, i, "tock");  // no semaphore
    // Constants: the note holds each as a signed immediate ("2@$-3600" for 61936).
    DTRACE_PROBE4(scry, consts, (uint16_t)0xf1f0, (int16_t)0xf1f0, (uint8_t)0xf0, (int8_t)0xf0);
    scry_target_ping(7);  // a probe with a semaphore: fires only while someone is attached
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "usdtloop") == 0) {  // for -p: scry:tick every 50 ms
    for (int i = 1; i <= atoi(argv[2]) / 50; i++) {
      DTRACE_PROBE2(scry, tick, i, "tock");
      usleep(50000);
    }
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "getppid") == 0) {  // P processes at once, N calls each
    int n = atoi(argv[2]), procs = atoi(argv[3]);
    for (int p = 0; p < procs; p++)
      if (fork() == 0) {
        for (int i = 0; i < n; i++) syscall(SYS_getppid);
        _exit(0);
      }
    while (wait(NULL) > 0) {}
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "watcharg") == 0) {  // bump two ints, twice each
    int* a = malloc(sizeof(int));
    int* b = malloc(sizeof(int));
    for (int i = 0; i < 2; i++) {
      scry_target_bump(a);
      scry_target_bump(b);
    }
    usleep(200000);  // unwatch() takes effect when scry reads its event
    *(volatile int*)a = 7;
    return *a + *b == 11 ? 0 : 1;
  }
  if (argc == 2 && strcmp(argv[1], "cold") == 0) {
    // A string on a page this process has mapped but never touched: reading it from a
    // plain uprobe fails; a sleepable one can fault it in.
    char path[] = "/tmp/scry_target_cold_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, "cold-string", 12) != 12) return 1;
    const char* p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    unlink(path);
    close(fd);
    if (p == MAP_FAILED) return 1;
    const char* volatile r = scry_target_greet(p);  // kept: the result is used
    (void)r;
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "watch") == 0) {
    for (int i = 1; i <= 3; i++) scry_watched = i;
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "jit") == 0) {
#if defined(__x86_64__)
    // mov eax, 110 (getppid); syscall; ret
    static const unsigned char code[] = {0xb8, 0x6e, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
    unsigned char* fn = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fn == MAP_FAILED) return 1;
    memcpy(fn, code, sizeof code);
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", getpid());
    FILE* map = fopen(path, "w");
    if (!map) return 1;
    fprintf(map, "%lx %zx scry_jit_getppid\n", (unsigned long)fn, sizeof code);
    fclose(map);
    long r = ((long (*)(void))fn)();  // the map stays, as JIT runtimes leave theirs
    return r > 0 ? 0 : 1;
#else
    return 1;
#endif
  }
  if (argc == 2 && strcmp(argv[1], "watchself") == 0) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_BREAKPOINT;
    a.size = sizeof a;
    a.bp_type = HW_BREAKPOINT_W;
    a.bp_addr = (uintptr_t)&scry_watched;
    a.bp_len = HW_BREAKPOINT_LEN_8;
    a.sample_period = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (fd < 0) return 1;
    for (int i = 1; i <= 3; i++) scry_watched = i;
    long long count = 0;
    if (read(fd, &count, sizeof count) != sizeof count) return 1;
    printf("%lld\n", count);
    return count == 3 ? 0 : 1;
  }
  if (argc == 2 && strcmp(argv[1], "call") == 0) {
    struct scry_point p = {7, 35, "seven"};
    volatile long sink = scry_target_add(2, 3);
    sink += (long)scry_target_greet("world");
    sink += scry_target_point(&p);
    sink += scry_target_shape(&scry_shape_value);
    sink += (long)strlen(argv[1]);  // a call into libc's strlen, an IFUNC
    sink += scry_target_cpp(5);
    (void)sink;
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "nest") == 0) {
    volatile long sink = scry_stack_outer(1);
    (void)sink;
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "setuid") == 0) return setuid(0);
  if (argc == 3 && strcmp(argv[1], "tcp") == 0) return tcp_exchange(atoi(argv[2]));
  if (argc == 3 && strcmp(argv[1], "retransmit") == 0) return tcp_retransmit(atoi(argv[2]));
  if (argc == 2 && strcmp(argv[1], "unix") == 0) return unix_exchange();
  if (argc == 3 && strcmp(argv[1], "oom") == 0) return oom_in_cgroup(argv[2]);
  fprintf(stderr, "usage: scry_target open N PATH | spin MS | sleep MS | stat PATH | sync | kill | setuid | tcp PORT | retransmit PORT | unix | oom CGROUP | call | nest | jit | watch | watchself | usdt | usdtloop MS | getppid N P | watcharg | cold\n");
  return 2;
}
