// The scry command line: bpftrace's options (parsed with getopt_long, so short options combine:
// -ve), and scry's own.
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>
#include <wordexp.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "runtime/features.h"
#include "src/builtins/builtin.h"
#include "src/driver/driver.h"
#include "src/driver/environment.h"
#include "src/probes/binaries.h"
#include "src/probes/listing.h"
#include "src/probes/provider.h"

namespace {

void usage(FILE* f) {
  fprintf(f,
          "USAGE:\n"
          "    scry [options] FILENAME [ARGS...]\n"
          "    scry [options] - [ARGS...] <stdin input>\n"
          "    scry [options] -e 'PROGRAM' [ARGS...]\n"
          "\n"
          "OPTIONS:\n"
          "    -e PROGRAM      the program to run\n"
          "    -l [PATTERN]    list probes (wildcards; kind:pattern), or those of -e/a script\n"
          "    -lv             list with arguments and their types\n"
          "    -q              quiet: no \"Attaching N probes...\" line\n"
          "    -k, -kk         report failed map updates and deletes (-k), and also lookups that\n"
          "                    find nothing and failed memory reads (-kk), as warnings at run time\n"
          "    -o FILE         write output to FILE\n"
          "    -f FORMAT       output format: text (default), json (bpftrace's JSON, docs/json.md),\n"
          "                    folded (maps as folded stacks for flame graphs)\n"
          "    -B MODE         output buffering: line (default: whole records, out as soon as a batch of\n"
          "                    events is done), full (out when 64 KiB gathered, and at exit), none\n"
          "    -c CMD          run CMD, trace, and exit when it exits\n"
          "    -p PID          uprobes and USDT probes only in process PID; exit when it exits\n"
          "    -v              verbose: per-phase timings and libbpf logs\n"
          "    --include FILE  #include FILE before the program\n"
          "    -I DIR          search DIR for #include files\n"
          "    --dry-run       compile and load into the kernel, attach nothing\n"
          "    --no-cache      compile even if the compile cache (/var/cache/scry, SCRY_CACHE_DIR;\n"
          "                    SCRY_CACHE=off) holds this script already compiled\n"
          "    --unsafe        allow functions that change the system: system(), signal()\n"
          "    --missing-probes=warn|error   a probe that cannot attach: a warning, or (default) an error\n"
          "    --map-size N    entries per map (default 4096; also BPFTRACE_MAP_KEYS_MAX)\n"
          "    --map-memory SIZE  kernel memory one map may take, N[K|M|G] (default: a quarter of RAM)\n"
          "    --metrics [ADDR:]PORT  serve the maps to Prometheus at http://ADDR:PORT/metrics while\n"
          "                    the program runs (ADDR: 0.0.0.0 when left out; PORT 0: any free port)\n"
          "    --compile -o FILE  compile the program into FILE and stop; `scry FILE [ARGS]` (or\n"
          "                    ./FILE) runs it without compiling, here or on another machine whose\n"
          "                    kernel lays out what it reads alike. Without ARGS when compiling, its\n"
          "                    $1..$16 and $# are numbers given when it runs\n"
          "    --dump=STAGE    print a stage and stop: ast, typed, ir, elf (the BPF object)\n"
          "    --info          what this kernel and this build support (bpftrace's layout)\n"
          "    --usdt-file-activation  USDT semaphores of every process that maps the file (always\n"
          "                    so: the kernel counts them, scry asks it to)\n"
          "    -h, --help      this help\n"
          "    -V, --version   print the version\n"
          "\nARGS are the positional parameters $1, $2, ... ($# counts them).\n"
          "\nENVIRONMENT (bpftrace's):\n"
          "    BPFTRACE_STRLEN          bytes str() reads by default (64; at most 1024)\n"
          "    BPFTRACE_MAP_KEYS_MAX    entries per map (4096), as --map-size\n"
          "    BPFTRACE_MAX_PROBES      events a program may attach to (4096)\n"
          "    BPFTRACE_MAX_BPF_PROGS   BPF programs a script may compile to (4096)\n"
          "    BPFTRACE_CAT_BYTES_MAX   bytes cat() prints of a file (10240)\n"
          "    BPFTRACE_LOG_SIZE        bytes of the verifier's log that -v asks for (1000000)\n"
          "    BPFTRACE_STACK_MODE      how kstack/ustack print without a mode: bpftrace, perf, raw\n"
          "    BPFTRACE_NO_CPP_DEMANGLE 1: C++ names in stacks as the binary spells them\n"
          "\nPROBES:\n");
  for (const scry::Provider* p : scry::all_providers())
    if (p->syntax) fprintf(f, "    %s\n", p->syntax);
  fprintf(f, "\nBUILTINS:\n");
  for (const scry::Builtin* b : scry::all_builtins())
    if (b->form == scry::Form::Identifier) fprintf(f, "    %-10s %s\n", b->signature, b->doc);
  fprintf(f, "\nFUNCTIONS:\n");
  for (const scry::Builtin* b : scry::all_builtins())
    if (b->form != scry::Form::Identifier) fprintf(f, "    %-32s %s\n", b->signature, b->doc);
}

int fail(const std::string& message) {
  fprintf(stderr, "ERROR: %s\n", message.c_str());
  return 1;
}

// -c CMD is split into words like a shell would (quotes, escapes), without running anything.
std::vector<std::string> split_command(const std::string& cmd) {
  std::vector<std::string> out;
  wordexp_t w;
  if (wordexp(cmd.c_str(), &w, WRDE_NOCMD) == 0) {
    for (size_t i = 0; i < w.we_wordc; i++) out.push_back(w.we_wordv[i]);
    wordfree(&w);
    return out;
  }
  std::istringstream in(cmd);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

// A pid as bpftrace checks it: decimal, within the kernel's largest possible pid.
// --metrics [ADDR:]PORT: "9100", "127.0.0.1:9100", "[::1]:9100", ":9100".
bool parse_listen_address(const std::string& v, std::string& host, int& port, std::string& error) {
  size_t colon = v.rfind(':');
  std::string p = colon == std::string::npos ? v : v.substr(colon + 1);
  if (colon != std::string::npos && colon > 0) host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long n = p.empty() ? -1 : strtol(p.c_str(), &end, 10);
  if (p.empty() || *end || n < 0 || n > 65535 || host.empty()) {
    error = "--metrics takes [ADDR:]PORT (such as 9100 or 127.0.0.1:9100), not '" + v + "'";
    return false;
  }
  port = int(n);
  return true;
}

bool parse_pid(const std::string& v, int& pid, std::string& error) {
  constexpr long kPidMaxLimit = 4194304;  // PID_MAX_LIMIT on 64-bit kernels
  char* end = nullptr;
  errno = 0;
  long n = v.empty() ? -1 : strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || errno) {
    error = "pid '" + v + "' is not a valid decimal number";
    return false;
  }
  if (n < 1 || n > kPidMaxLimit) {
    error = "pid '" + v + "' out of valid pid range [1," + std::to_string(kPidMaxLimit) + "]";
    return false;
  }
  pid = int(n);
  return true;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

// `scry tools/NAME.bt` where no such file is here: the tools installed with scry, in
// PREFIX/share/scry/tools beside PREFIX/bin/scry. "" if it is not one of them.
std::string installed_tool(const std::string& path) {
  if (path.rfind("tools/", 0) != 0) return "";
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  std::string dir(exe, size_t(n));
  std::string tool = dir.substr(0, dir.rfind('/')) + "/../share/scry/" + path;
  return access(tool.c_str(), R_OK) == 0 ? tool : "";
}

// -o FILE, opened without truncating it (scry does that once the program has loaded). In a
// directory others may write to (/tmp), a symbolic link is not followed: root must not be led
// into writing over another file.
FILE* open_output_file(const std::string& path, std::string& error) {
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  struct stat st;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  if (stat(dir.c_str(), &st) == 0 && (st.st_mode & (S_IWOTH | S_IWGRP))) flags |= O_NOFOLLOW;
  int fd = open(path.c_str(), flags, 0644);
  if (fd < 0) {
    error = errno == ELOOP ? "cannot write '" + path + "': it is a symbolic link in a directory others can write to"
                           : "cannot write '" + path + "': " + strerror(errno);
    return nullptr;
  }
  FILE* f = fdopen(fd, "w");
  if (!f) close(fd);
  return f;
}

enum LongOption {
  kDryRun = 256, kNoCache, kUnsafe, kMissingProbes, kMapSize, kDump, kInfo, kInclude, kUsdtFileActivation, kMapMemory, kMetrics, kCompile,
};

}  // namespace

// The compiler's passes recurse once per nesting level of the script (up to the limit in
// src/driver/driver.cpp, about 1 KB of stack a level). The main thread's stack grows on
// demand up to RLIMIT_STACK, and the kernel leaves at least 128 MB free below it: the limit
// is raised to that (BEGIN and END must run on the main thread, where pid == tid).
static void allow_deep_recursion() {
  rlimit r;
  const rlim_t want = rlim_t(128) << 20;
  if (getrlimit(RLIMIT_STACK, &r) != 0 || r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= want) return;
  r.rlim_cur = r.rlim_max == RLIM_INFINITY ? want : std::min(want, r.rlim_max);
  setrlimit(RLIMIT_STACK, &r);
}

int main(int argc, char** argv) {
  allow_deep_recursion();

  scry::DriverOptions opts;
  bool have_program = false, list = false, list_verbose = false, compile = false;
  std::string out_file;
  static const option long_options[] = {
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {"dry-run", no_argument, nullptr, kDryRun},
      {"no-cache", no_argument, nullptr, kNoCache},
      {"unsafe", no_argument, nullptr, kUnsafe},
      {"missing-probes", required_argument, nullptr, kMissingProbes},
      {"map-size", required_argument, nullptr, kMapSize},
      {"dump", required_argument, nullptr, kDump},
      {"info", no_argument, nullptr, kInfo},
      {"include", required_argument, nullptr, kInclude},
      {"usdt-file-activation", no_argument, nullptr, kUsdtFileActivation},
      {"map-memory", required_argument, nullptr, kMapMemory},
      {"metrics", required_argument, nullptr, kMetrics},
      {"compile", no_argument, nullptr, kCompile},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;  // the messages below say it as bpftrace does, with the usage
  int c;
  // GNU getopt permutes: options may follow the script file, as with bpftrace; '--' ends them (for a
  // negative $1).
  while ((c = getopt_long(argc, argv, "e:lvqko:f:B:c:p:hVI:", long_options, nullptr)) != -1) {
    std::string v = optarg ? optarg : "";
    switch (c) {
      case 'e':
        opts.source = v;
        opts.filename = "stdin";
        have_program = true;
        break;
      case 'l': list = true; break;
      case 'v':
        if (list) list_verbose = true;  // -lv
        else opts.run.verbose = opts.timings = true;
        break;
      case 'q': opts.run.quiet = true; break;
      case 'k': opts.helper_check = std::min(opts.helper_check + 1, 2u); break;
      case 'o': out_file = v; break;
      case 'f':
        if (v == "text") opts.run.format = scry::OutputFormat::Text;
        else if (v == "json") opts.run.format = scry::OutputFormat::Json;
        else if (v == "folded") opts.run.format = scry::OutputFormat::Folded;
        else return fail("Invalid output format \"" + v + "\"\nValid formats: 'text', 'json', 'folded'");
        break;
      case 'B':
        if (v == "line") opts.run.buffering = _IOLBF;
        else if (v == "full") opts.run.buffering = _IOFBF;
        else if (v == "none") opts.run.buffering = _IONBF;
        else return fail("Invalid buffering mode \"" + v + "\" (valid modes: line, full, none)");
        break;
      case 'c': opts.run.command = split_command(v); break;
      case 'p': {
        std::string error;
        if (!parse_pid(v, opts.run.pid, error)) return fail(error);
        break;
      }
      case 'I': opts.include_dirs.push_back(v); break;
      case 'h': usage(stdout); return 0;
      case 'V': printf("scry %s\n", SCRY_VERSION); return 0;
      case kDryRun: opts.run.dry_run = true; break;
      case kNoCache: opts.cache = false; break;
      case kUnsafe: opts.unsafe = true; break;
      case kMissingProbes:
        if (v != "warn" && v != "error") return fail("--missing-probes takes warn or error, not '" + v + "'");
        opts.run.warn_missing = v == "warn";
        break;
      case kMapSize: {
        char* end = nullptr;
        unsigned long n = strtoul(v.c_str(), &end, 10);
        if (*end || n == 0 || n > (1ul << 24)) return fail("--map-size takes a number of entries from 1 to 16777216");
        opts.map_size = uint32_t(n);
        break;
      }
      case kDump:
        if (v != "ast" && v != "typed" && v != "ir" && v != "elf") return fail("--dump takes ast, typed, ir or elf");
        opts.dump = v;
        break;
      case kInfo: scry::print_info(stdout, SCRY_VERSION); return 0;
      case kInclude: opts.includes.push_back(v); break;
      // Semaphores of every process that maps the file: what the kernel does anyway for scry,
      // which attaches USDT probes with the semaphore's offset (uprobe ref_ctr_offset).
      case kUsdtFileActivation: break;
      case kMapMemory: {
        char* end = nullptr;
        unsigned long long n = strtoull(v.c_str(), &end, 10);
        std::string unit = end ? end : "";
        unsigned long long scale = unit == "" ? 1 : unit == "K" ? 1ull << 10 : unit == "M" ? 1ull << 20 : unit == "G" ? 1ull << 30 : 0;
        if (end == v.c_str() || !scale || n == 0) return fail("--map-memory takes a size: N, NK, NM or NG bytes");
        opts.map_memory = n * scale;
        break;
      }
      case kCompile: compile = true; break;
      case kMetrics: {
        std::string error;
        if (!parse_listen_address(v, opts.run.metrics_host, opts.run.metrics_port, error)) return fail(error);
        opts.hist_sums = true;  // a histogram's _sum
        break;
      }
      default: {
        const char* bad = optopt ? nullptr : argv[optind - 1];
        std::string what = bad ? std::string(bad) : std::string("-") + char(optopt);
        usage(stderr);
        bool missing = optopt && strchr("eofBcpI", optopt);
        return fail(missing ? "option " + what + " needs an argument" : "unknown option " + what);
      }
    }
  }
  std::vector<std::string> rest(argv + optind, argv + argc);
  // -c: a program that cannot run is an error now, before anything is compiled or attached.
  if (!opts.run.command.empty() && !list) {
    scry::set_target_command(opts.run.command[0]);
    std::string program = scry::target_binary();
    if (program.empty() || access(program.c_str(), X_OK) != 0)
      return fail("failed to run the -c command: '" + opts.run.command[0] +
                  "' does not exist or is not executable");
  }
  if (list && !have_program) {
    std::string pattern = rest.empty() ? "" : rest[0];
    // scry -l script.bt: the script's probes
    if (pattern.size() > 3 && pattern.compare(pattern.size() - 3, 3, ".bt") == 0 && access(pattern.c_str(), R_OK) == 0) {
      read_file(pattern, opts.source);
      opts.filename = pattern;
      have_program = true;
    } else {
      // Probe names and wildcards only: a typo such as '\n' is reported, not listed as nothing.
      for (char ch : pattern)
        if (!isalnum((unsigned char)ch) && !strchr("_-.:*?[]!/+@$,~", ch))
          return fail("invalid character '" + std::string(1, ch) + "' in the probe pattern '" + pattern + "'");
      scry::set_target_pid(opts.run.pid);  // -l -p: the process's uprobes and USDT probes too
      size_t n = scry::list_probes(pattern, list_verbose || opts.timings, stdout);
      if (n) return 0;
      // Nothing listed: say so, and why when it is permission (tracefs is root's).
      std::string why = "no probe matches '" + pattern + "'";
      if (access("/sys/kernel/tracing", R_OK | X_OK) != 0 && errno == EACCES)
        why += " (this user may not read /sys/kernel/tracing: tracepoints are listed for root)";
      fprintf(stderr, "%s\n", why.c_str());
      return 1;
    }
  } else if (!have_program && !rest.empty()) {
    std::string path = rest[0];
    rest.erase(rest.begin());
    if (path == "-") {  // the program on stdin
      std::stringstream ss;
      ss << std::cin.rdbuf();
      opts.source = ss.str();
      opts.filename = "stdin";
    } else if (!read_file(path, opts.source) && !read_file(installed_tool(path), opts.source)) {
      return fail("failed to open file '" + path + "': " + strerror(errno));
    } else {
      opts.filename = path;
    }
    have_program = true;
  }
  if (list) {
    opts.list = true;
    opts.list_verbose = list_verbose || opts.timings;
  }
  if (!have_program) {
    usage(stderr);
    return 1;
  }
  opts.params = rest;
  std::string env_error;
  if (!scry::read_environment(opts, env_error)) return fail(env_error);
  if (compile) {  // -o names the program file, written by the driver
    if (out_file.empty()) return fail("--compile needs -o FILE: the file to write the compiled program to");
    opts.compile_to = out_file;
  } else if (!out_file.empty()) {
    std::string error;
    opts.run.out = open_output_file(out_file, error);
    if (!opts.run.out) return fail(error);
    opts.run.truncate_out = true;  // once the program has loaded: a failed compile keeps the file
  }
  // Before anything is written: -B decides how the output stream is buffered. "line" (the
  // default) is a full buffer that the event loop flushes after each batch of events and
  // before cat() and system(): every line is out within moments, at one write() per batch
  // rather than per line (bursts of printf() are several times faster). Output::put() flushes
  // between records past 64 KiB, so a record is never split (the buffer is bigger than that).
  static char buffer[scry::kOutputBuffer];
  if (opts.run.buffering == _IONBF) setvbuf(opts.run.out, nullptr, _IONBF, 0);
  else setvbuf(opts.run.out, buffer, _IOFBF, sizeof buffer);
  int rc = scry::run_driver(opts);
  if (opts.run.out != stdout) fclose(opts.run.out);
  return rc;
}
