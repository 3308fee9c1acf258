// One run of a compiled program, from load to the last line of output.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "runtime/attach.h"
#include "runtime/events.h"
#include "runtime/features.h"
#include "runtime/format/prometheus.h"
#include "runtime/maps.h"
#include "runtime/metrics/endpoint.h"
#include "runtime/runtime.h"
#include "runtime/symbols/kallsyms.h"
#include "runtime/symbols/user_symbols.h"

namespace scry {

namespace {

volatile sig_atomic_t g_signal = 0;

volatile sig_atomic_t g_print_maps = 0;

void on_signal(int sig) { g_signal = sig; }
void on_usr1(int) { g_print_maps = 1; }  // print every map now (as bpftrace)
void on_child(int) {}  // only to wake the poll: the -c command stopped or exited

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  // SA_RESTART, so that a write blocked on a full pipe is resumed, not cut short (stdio would
  // drop what it was writing). The poll is interrupted all the same: epoll_wait is never
  // restarted after a handler.
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = on_child;
  sigaction(SIGCHLD, &sa, nullptr);
}

// Every map's entries, each map read once.
std::vector<std::vector<MapEntry>> read_all_maps(const Manifest& m, const EventContext& ec) {
  std::vector<std::vector<MapEntry>> all;
  for (size_t i = 0; i < m.maps.size(); i++) all.push_back(read_map(ec.map_fds[i], m.maps[i]));
  return all;
}

void print_all_maps(Output& out, const Manifest& m, const EventContext& ec, bool at_exit) {
  out.all_maps(m, read_all_maps(m, ec), at_exit);
}

struct RingBufferDeleter {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};

// The -c command: forked at once but held until the probes are attached. It is traced
// (PTRACE_SEIZE) for one event only: its exit, where it stops while its memory is still
// mapped, so that its user addresses get names even when it lives for a millisecond.
struct Child {
  pid_t pid = -1;
  int release_fd = -1;
  bool exited = false;

  // `trace`: seize it for its exit (not when a watchpoint's setup probe stops it with SIGSTOP
  // and scry lets it go with SIGCONT: a tracee would stay stopped for its tracer).
  bool start(const std::vector<std::string>& argv, bool trace, std::string& error) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + strerror(errno);
      return false;
    }
    pid = fork();
    if (pid < 0) {
      error = std::string("fork: ") + strerror(errno);
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid == 0) {
      close(fds[1]);
      char c;
      if (read(fds[0], &c, 1) != 1) _exit(127);  // scry gave up before attaching
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      fprintf(stderr, "scry: cannot run '%s': %s\n", args[0], strerror(errno));
      _exit(127);
    }
    close(fds[0]);
    release_fd = fds[1];
    // If this fails (scry itself traced, a seccomp policy), names are read when the pid
    // first shows up instead: the command still runs.
    if (trace) ptrace(PTRACE_SEIZE, pid, nullptr, (void*)(long)PTRACE_O_TRACEEXIT);
    return true;
  }
  void release() {
    if (release_fd >= 0) {
      (void)!write(release_fd, "x", 1);
      close(release_fd);
      release_fd = -1;
    }
  }
  void abandon() {  // closing the pipe makes the held child exit without running
    if (release_fd >= 0) {
      close(release_fd);
      release_fd = -1;
      while (!exited && pid > 0) wait_once(0);
    }
  }
  bool poll_exited() {
    while (pid > 0 && !exited && wait_once(WNOHANG)) {
    }
    return exited;
  }
  // scry stops first (exit(), a signal, an error): the command is stopped as bpftrace stops
  // it, SIGTERM and then, if it is still there after a second, SIGKILL; and reaped.
  void stop() {
    abandon();
    if (pid <= 0 || poll_exited()) return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && !poll_exited(); i++) usleep(10000);
    if (!exited) kill(pid, SIGKILL);
    while (!exited) wait_once(0);
  }
  ~Child() { stop(); }

 private:
  // One state change of the child; false if there was none.
  bool wait_once(int flags) {
    int status = 0;
    pid_t got = waitpid(pid, &status, flags | __WALL);
    if (got < 0 && errno == ECHILD) {  // reaped already (or never ours): nothing to wait for
      exited = true;
      return true;
    }
    if (got != pid) return false;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      exited = true;
      return true;
    }
    if (!WIFSTOPPED(status)) return true;
    int event = status >> 16;
    if (event == PTRACE_EVENT_EXIT) {
      UserSymbols::get().note_process(uint32_t(pid), true);
      ptrace(PTRACE_CONT, pid, nullptr, nullptr);
    } else if (event == PTRACE_EVENT_STOP) {
      ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);  // a group stop (SIGSTOP): stay stopped
    } else {
      ptrace(PTRACE_CONT, pid, nullptr, (void*)(long)WSTOPSIG(status));  // deliver the signal
    }
    return true;
  }

 public:
};

// bpftrace's runtime test engine waits for this line (on stderr, once every probe is
// attached, before BEGIN runs) when it sets the variable of the same name.
void announce_attached(FILE* out) {
  static const char kMarker[] = "__BPFTRACE_NOTIFY_PROBES_ATTACHED";
  if (!getenv(kMarker)) return;
  fflush(out);
  fprintf(stderr, "%s\n", kMarker);
}

uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// Reports what was lost since the last report: as it happens (every second) and at the end.
void report_drops(Output& out, const Manifest& m, const std::vector<uint64_t>& now, std::vector<uint64_t>& reported) {
  for (size_t i = 0; i < now.size(); i++) {
    if (now[i] <= reported[i]) continue;
    uint64_t n = now[i] - reported[i];
    if (i == kDropRingbuf) out.lost_events(n, now[i]);
    else out.map_full(m.maps[i - 1], n, now[i]);
    reported[i] = now[i];
  }
}

// The programs' globals (.bss): one element, kGlobalSlots u64s first. libbpf names the map
// after the object and the section ("scry.bss").
bpf_map* globals_map(bpf_object* obj, const std::string& section) {
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    std::string name = bpf_map__name(map);
    if (name.size() >= section.size() && name.compare(name.size() - section.size(), section.size(), section) == 0)
      return map;
  }
  return nullptr;
}

// Whether exit() was called: the exit slot of the globals (.bss holds them first; the map's
// value may be bigger, other zeroed globals). Read from the map mapped into scry's memory
// when it can be (BPF_F_MMAPABLE, as libbpf makes .bss): a bpf() system call per turn of the
// event loop would be an event of its own for a script that traces capable() or bpf(), which
// scry would then read, and answer with another system call.
class ExitFlag {
 public:
  ExitFlag(bpf_map* globals, int fd, size_t value_size) : fd_(fd), value_size_(value_size) {
    if (!globals || !(bpf_map__map_flags(globals) & BPF_F_MMAPABLE) || value_size < (kGlobalExit + 1) * 8) return;
    size_t page = size_t(sysconf(_SC_PAGESIZE));
    mapped_size_ = (value_size + page - 1) / page * page;
    void* p = mmap(nullptr, mapped_size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) mem_ = static_cast<const volatile uint64_t*>(p);
  }
  ~ExitFlag() {
    if (mem_) munmap(const_cast<uint64_t*>(mem_), mapped_size_);
  }
  ExitFlag(const ExitFlag&) = delete;
  ExitFlag& operator=(const ExitFlag&) = delete;
  bool raised() const {
    if (mem_) return mem_[kGlobalExit] != 0;
    uint32_t key = 0;
    std::vector<uint64_t> v((value_size_ + 7) / 8 + kGlobalSlots, 0);
    return bpf_map_lookup_elem(fd_, &key, v.data()) == 0 && v[kGlobalExit] != 0;
  }

 private:
  int fd_;
  size_t value_size_, mapped_size_ = 0;
  const volatile uint64_t* mem_ = nullptr;
};

// Reads past what is left in the ring buffer (the probes are detached: it ends), so that
// END's output is not mixed with it; returns how many records there were.
uint64_t discard_unread(ring_buffer* rb, EventContext& ec) {
  ec.discard = true;
  ring_buffer__consume(rb);
  ec.discard = false;
  return std::exchange(ec.discarded, 0);
}

// Waits up to `timeout_ms` for records without reading them (ring_buffer__poll would read
// them at once): the caller reads them in its turn at the maps. >0 when there are some.
int wait_for_records(ring_buffer* rb, int timeout_ms) {
  epoll_event ev;
  int n = epoll_wait(ring_buffer__epoll_fd(rb), &ev, 1, timeout_ms);
  return n < 0 ? -errno : n;
}

// --metrics: the endpoint, whose scrapes read every map and the drop counters once each, in
// their turn (`turn`: the event loop holds it while it handles records and prints).
std::unique_ptr<MetricsEndpoint> start_metrics(const RunOptions& opts, const Manifest& m, const EventContext& ec,
                                               int drops_fd, std::mutex& turn, std::string& error) {
  auto render = [&m, &ec, drops_fd, &turn] {
    std::lock_guard<std::mutex> lock(turn);
    return fmt::prometheus_text(m, read_all_maps(m, ec), read_drops(drops_fd, 1 + m.maps.size()), ec.names);
  };
  auto endpoint = serve_metrics(opts.metrics_host, opts.metrics_port, render, error);
  if (endpoint) {
    bool v6 = opts.metrics_host.find(':') != std::string::npos;
    fprintf(stderr, "scry: serving metrics on http://%s%s%s:%d/metrics\n", v6 ? "[" : "", opts.metrics_host.c_str(),
            v6 ? "]" : "", endpoint->port());
  }
  return endpoint;
}

}  // namespace

int run_program(const std::vector<uint8_t>& elf, const Manifest& m, const RunOptions& opts,
                LoadError& load_error) {
  route_libbpf_logs(opts.verbose);
  LoadOptions lo{opts.verbose, opts.log_size, {}};
  for (auto& p : m.probes)
    if (!p.funcs.empty() && kernel_features().kprobe_multi) lo.kprobe_multi.push_back(p.prog_name);
  BpfObjectPtr obj = load_object(elf, lo, load_error);
  if (!obj) return 1;
  if (opts.dry_run) return 0;
  if (opts.truncate_out && ftruncate(fileno(opts.out), 0) != 0) {
    load_error.message = std::string("cannot empty the output file: ") + strerror(errno);
    return 1;
  }

  Output& out = *opts.output;
  EventContext ec;
  ec.manifest = &m;
  ec.output = &out;
  ec.flush_often = opts.buffering != _IOFBF;
  ec.cat_bytes_max = opts.cat_bytes_max;
  UserSymbols::get().set_demangle(opts.demangle);
  ec.stop_signal = &g_signal;
  out.set_names(&ec.names);
  for (auto& p : m.probes) {
    ec.names.probes.push_back(p.name);
    ec.names.funcs.push_back(p.func_display.empty() ? p.func : p.func_display);
  }
  ec.names.time_formats = m.time_formats;
  ec.names.cgroup_filters = m.cgroup_filters;
  for (auto& spec : m.maps) ec.map_fds.push_back(bpf_object__find_map_fd_by_name(obj.get(), spec.bpf_name.c_str()));
  for (auto& sm : m.stack_maps)
    ec.names.stack_fds[sm.frames] = bpf_object__find_map_fd_by_name(obj.get(), sm.bpf_name.c_str());
  int rb_fd = bpf_object__find_map_fd_by_name(obj.get(), m.ringbuf_map.c_str());
  int drops_fd = bpf_object__find_map_fd_by_name(obj.get(), m.drops_map.c_str());
  bpf_map* globals_bss = globals_map(obj.get(), m.globals_map);
  int globals_fd = globals_bss ? bpf_map__fd(globals_bss) : -1;
  size_t globals_size = globals_bss ? bpf_map__value_size(globals_bss) : 0;
  // The globals are written whole, before any program runs.
  uint32_t zero = 0;
  std::vector<uint64_t> globals((globals_size + 7) / 8 + kGlobalSlots, 0);
  globals[kGlobalStart] = monotonic_ns();
  if (m.runtime_params) {
    globals[kGlobalParamCount] = opts.params.size();
    for (size_t i = 0; i < opts.params.size() && i < kMaxRuntimeParams; i++) globals[kGlobalParams + i] = uint64_t(opts.params[i]);
  }
  bpf_map_update_elem(globals_fd, &zero, globals.data(), BPF_ANY);

  std::unique_ptr<ring_buffer, RingBufferDeleter> rb(ring_buffer__new(rb_fd, handle_event, &ec, nullptr));
  if (!rb) {
    out.error(std::string("cannot set up the ring buffer: ") + strerror(errno));
    return 1;
  }

  Child child;
  std::string error;
  bool stops_target = false;  // watchpoint:FUNC+argN (not async) stops it while attaching
  for (auto& p : m.probes) stops_target |= p.kind == ProbeKind::WatchpointSetup && !p.wp_async;
  if (!opts.command.empty() && !child.start(opts.command, !stops_target, error)) {
    out.error(error);
    return 1;
  }
  if (opts.pid > 0 && kill(opts.pid, 0) != 0 && errno == ESRCH) {
    out.error("there is no process " + std::to_string(opts.pid) + " (-p)");
    return 1;
  }
  if (child.pid > 0) {  // cpid
    globals[kGlobalCpid] = uint64_t(child.pid);
    bpf_map_update_elem(globals_fd, &zero, globals.data(), BPF_ANY);
  }

  // Scrapes and the event loop take turns at the maps and at what names their values.
  std::mutex turn;
  std::unique_ptr<MetricsEndpoint> metrics;
  if (opts.metrics_port >= 0 && !(metrics = start_metrics(opts, m, ec, drops_fd, turn, error))) {
    child.abandon();
    out.error(error);
    return 1;
  }

  install_signal_handlers();
  // BEGIN runs before any probe is attached, as in bpftrace: what it sets up (@count = 0) is
  // there before the first event, and no probe fires before it.
  if (!run_special(obj.get(), m, ProbeKind::Begin, error)) {
    child.abandon();
    out.error(error);
    return 1;
  }
  Attachments attached;
  int target = opts.pid > 0 ? opts.pid : child.pid;
  std::vector<std::string> skipped;
  // A BEGIN that called exit() ends the run before any probe is attached (as in bpftrace: a
  // probe that could not attach is then no error).
  ExitFlag exit_flag(globals_bss, globals_fd, globals_size);
  bool begin_exited = exit_flag.raised();
  bool attached_ok = begin_exited || attach_probes(obj.get(), m, target, opts.warn_missing, attached, error, skipped);
  for (auto& s : skipped) out.attach_error(s, false);
  if (!attached_ok) {
    child.abandon();
    out.attach_error(error, true);
    return 1;
  }
  // watchpoint:FUNC+argN: the setup probe stopped the process; attach, then let it go on.
  bool arming = true;  // not once the probes are detached
  ec.watch = [&](uint32_t setup, uint64_t addr) {
    std::string why;
    if (arming && !arm_watchpoint(obj.get(), m, setup, addr, target, attached, why)) out.warning(why);
    if (setup < m.probes.size() && !m.probes[setup].wp_async && target > 0) kill(target, SIGCONT);
  };
  ec.unwatch = [&](uint64_t addr) { unwatch(attached, addr); };
  // Probes skipped by --missing-probes=warn are not attached: not counted.
  Kallsyms::programs_loaded();  // with their trampolines, made as they attached
  size_t listed = probe_count(m, !lo.kprobe_multi.empty());
  if (!opts.quiet) out.attached(listed > skipped.size() ? listed - skipped.size() : 0);
  announce_attached(opts.out);
  if (begin_exited) child.abandon();  // the -c command never runs
  else child.release();
  // Iterators run once, now; then the run ends as after exit().
  bool iterators_only = !attached.iterators.empty();
  if (iterators_only && !attached.run_iterators(error)) out.error(error);
  if (iterators_only) {
    ring_buffer__consume(rb.get());
    ec.exit_requested = true;
  }

  std::vector<uint64_t> reported(1 + m.maps.size(), 0);
  uint64_t last_drop_check = monotonic_ns();
  while (!ec.exit_requested && !g_signal) {
    int rc = wait_for_records(rb.get(), 100);
    std::lock_guard<std::mutex> my_turn(turn);
    if (rc > 0) rc = ring_buffer__consume(rb.get());
    if (rc < 0 && rc != -EINTR && rc != kStopReading) {
      out.error(std::string("reading the ring buffer: ") + strerror(-rc));
      break;
    }
    if (opts.buffering != _IOFBF) fflush(opts.out);
    // After a batch, a short rest: the kernel wakes a reader only when a record lands in an
    // empty ring buffer, so a reader that always keeps up costs the traced task a wakeup
    // (an irq_work) per event. Resting 1 ms lets records gather: one wakeup per batch.
    if (rc > 0 && !g_signal && !ec.exit_requested) usleep(1000);
    if (child.pid > 0 && child.poll_exited()) break;
    if (opts.pid > 0 && kill(opts.pid, 0) != 0 && errno == ESRCH) break;  // -p: the process is gone
    if (exit_flag.raised()) {
      // exit() was called, and its record may not have fit: what came before it is shown.
      ring_buffer__consume(rb.get());
      ec.exit_requested = true;
      break;
    }
    if (g_print_maps) {
      g_print_maps = 0;
      ring_buffer__consume(rb.get());  // what the probes printed before comes first
      print_all_maps(out, m, ec, false);
      if (opts.buffering != _IOFBF) fflush(opts.out);
    }
    if (monotonic_ns() - last_drop_check > 1000000000ull) {
      report_drops(out, m, read_drops(drops_fd, reported.size()), reported);
      last_drop_check = monotonic_ns();
    }
  }
  metrics.reset();  // no scrape from now on: the maps are final, and printed below
  attached.detach_all();
  arming = false;
  // A process a watchpoint's setup probe stopped, whose address scry did not read, goes on.
  if (stops_target && target > 0) kill(target, SIGCONT);
  child.stop();
  // What the probes sent before they were detached is shown (not after exit(), by design);
  // after a signal for half a second at most: it must stop scry however much is waiting.
  if (!ec.exit_requested) {
    if (g_signal) ec.drain_deadline = monotonic_ns() + 500000000ull;
    ring_buffer__consume(rb.get());
    ec.drain_deadline = 0;
  }
  bool stopped_early = !ec.exit_requested && ec.left_unread;
  ec.exit_requested = false;
  ec.stop_signal = nullptr;  // END's output is read whatever stopped the run
  uint64_t unread = discard_unread(rb.get(), ec);
  if (stopped_early && unread)
    out.warning(std::to_string(unread) + " events were not read: scry was stopped while they kept coming");

  // END runs after the probes are detached; its output comes before the maps.
  run_special(obj.get(), m, ProbeKind::End, error);
  ring_buffer__consume(rb.get());

  print_all_maps(out, m, ec, true);
  fflush(opts.out);
  report_drops(out, m, read_drops(drops_fd, reported.size()), reported);
  fflush(opts.out);
  return 0;
}

}  // namespace scry
