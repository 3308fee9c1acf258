// The event source of the benchmarks: N getpid() system calls in a tight loop.
//   bench_loop N      prints "ns_per_call X", then, for every loaded BPF program that ran
//                     at least N times during the loop, "bpf_ns_per_run X NAME" from the
//                     kernel's statistics (sysctl kernel.bpf_stats_enabled=1, else none)
//   bench_loop -t MS  calls getpid() for MS milliseconds; prints "calls N" (for bursts)
// getpid() is the cheapest system call: what a probe adds to it is most of what it costs.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROGS 4096

struct prog_stat {
  __u32 id;
  __u64 run_time_ns, run_cnt;
  char name[BPF_OBJ_NAME_LEN];
};

// Every loaded BPF program's run time and run count so far.
static int read_stats(struct prog_stat* out) {
  int n = 0;
  __u32 id = 0;
  while (n < MAX_PROGS && bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    struct bpf_prog_info info;
    __u32 len = sizeof info;
    memset(&info, 0, sizeof info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
      out[n].id = id;
      out[n].run_time_ns = info.run_time_ns;
      out[n].run_cnt = info.run_cnt;
      memcpy(out[n].name, info.name, sizeof out[n].name);
      n++;
    }
    close(fd);
  }
  return n;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "-t") == 0) {
    long long end = now_ns() + atoll(argv[2]) * 1000000LL;
    long calls = 0;
    while (now_ns() < end)
      for (int i = 0; i < 100; i++, calls++) syscall(SYS_getpid);
    printf("calls %ld\n", calls);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: bench_loop N | -t MS\n");
    return 2;
  }
  long n = atol(argv[1]);
  static struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
  int nb = read_stats(before);
  long long start = now_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getpid);  // not glibc's getpid(): never cached
  long long end = now_ns();
  int na = read_stats(after);
  printf("ns_per_call %.1f\n", (double)(end - start) / (double)n);
  for (int i = 0; i < na; i++)
    for (int j = 0; j < nb; j++) {
      if (after[i].id != before[j].id) continue;
      __u64 runs = after[i].run_cnt - before[j].run_cnt;
      if (runs >= (__u64)n && after[i].run_time_ns > before[j].run_time_ns)
        printf("bpf_ns_per_run %.1f %s\n", (double)(after[i].run_time_ns - before[j].run_time_ns) / (double)runs,
               after[i].name);
    }
  return 0;
}
