// The scry command line.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "src/builtins/builtin.h"
#include "src/driver/driver.h"
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#include "runtime/features.h"

#include <unistd.h>
#include <wordexp.h>

namespace {

void usage(FILE* f) {
  fprintf(f,
          "usage: scry [options] PROGRAM-FILE [ARGS...]\n"
          "       scry [options] -e 'PROGRAM' [ARGS...]\n"
          "\n"
          "options:\n"
          "  -e PROGRAM      the program to run\n"
          "  -l [PATTERN]    list probes (wildcards; kind:pattern), or those of -e/a script\n"
          "  -lv             list with arguments and their types\n"
          "  -q              quiet: no \"Attaching N probes...\" line\n"
          "  -o FILE         write output to FILE\n"
          "  -f FORMAT       output format: text (default), json (one record a line, docs/json.md),\n"
          "                  folded (maps as folded stacks for flame graphs)\n"
          "  -B MODE         output buffering: line (default: whole records, out as soon as a batch of\n"
          "                  events is done), full (out when 64 KiB gathered, and at exit), none\n"
          "  -c CMD          run CMD, trace, and exit when it exits\n"
          "  -p PID          uprobes only in process PID; exit when it exits\n"
          "  -v              verbose: per-phase timings and libbpf logs\n"
          "  --dry-run       compile and load into the kernel, attach nothing\n"
          "  --no-cache      compile even if the compile cache (/var/cache/scry, SCRY_CACHE_DIR;\n"
          "                  SCRY_CACHE=off) holds this script already compiled\n"
          "  --unsafe        allow functions that change the system: system(), signal()\n"
          "  --missing-probes=warn|error   a probe that cannot attach: a warning, or (default) an error\n"
          "  --map-size N    entries per map (default 4096; also BPFTRACE_MAP_KEYS_MAX)\n"
          "  --dump=STAGE    print a stage and stop: ast, typed, ir, elf (the BPF object)\n"
          "  -h, --help      this help\n"
          "  --version       print the version\n"
          "  --info          what this kernel and this build support (bpftrace's layout)\n"
          "\nARGS are the positional parameters $1, $2, ... ($# counts them).\n"
          "\nprobes:\n");
  for (const scry::Provider* p : scry::all_providers()) fprintf(f, "  %s\n", p->syntax);
  fprintf(f, "\nbuiltins:\n");
  for (const scry::Builtin* b : scry::all_builtins())
    if (b->form == scry::Form::Identifier) fprintf(f, "  %-10s %s\n", b->signature, b->doc);
  fprintf(f, "\nfunctions:\n");
  for (const scry::Builtin* b : scry::all_builtins())
    if (b->form != scry::Form::Identifier) fprintf(f, "  %-32s %s\n", b->signature, b->doc);
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

}  // namespace

int main(int argc, char** argv) {
  scry::DriverOptions opts;
  bool have_program = false;
  bool list = false, list_verbose = false;
  std::string pattern;
  std::string out_file;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto need = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "scry: %s needs an argument\n", what);
        exit(1);
      }
      return argv[++i];
    };
    if (!rest.empty() || (have_program && a.size() > 0 && a[0] != '-')) {
      rest.push_back(a);
    } else if (a == "-e") {
      opts.source = need("-e");
      opts.filename = "stdin";
      have_program = true;
    } else if (a == "-l" || a == "-lv") {
      list = true;
      list_verbose = list_verbose || a == "-lv";
      if (i + 1 < argc && argv[i + 1][0] != '-') pattern = argv[++i];
    } else if (a == "-p") {
      std::string v = need("-p");
      char* end = nullptr;
      long pid = strtol(v.c_str(), &end, 10);
      if (*end || pid <= 0) {
        fprintf(stderr, "scry: -p takes a process id\n");
        return 1;
      }
      opts.run.pid = int(pid);
    } else if (a == "-q") {
      opts.run.quiet = true;
    } else if (a == "-o") {
      out_file = need("-o");
    } else if (a == "-f" || (a.rfind("-f", 0) == 0 && a.size() > 2 && a[2] != '-')) {
      std::string v = a == "-f" ? need("-f") : a.substr(2);
      if (v == "text") opts.run.format = scry::OutputFormat::Text;
      else if (v == "json") opts.run.format = scry::OutputFormat::Json;
      else if (v == "folded") opts.run.format = scry::OutputFormat::Folded;
      else {
        fprintf(stderr, "scry: -f takes text, json or folded, not '%s'\n", v.c_str());
        return 1;
      }
    } else if (a == "-B") {
      std::string v = need("-B");
      if (v == "line") opts.run.buffering = _IOLBF;
      else if (v == "full") opts.run.buffering = _IOFBF;
      else if (v == "none") opts.run.buffering = _IONBF;
      else {
        fprintf(stderr, "scry: -B takes line, full or none, not '%s'\n", v.c_str());
        return 1;
      }
    } else if (a == "-c") {
      opts.run.command = split_command(need("-c"));
    } else if (a == "-v") {
      opts.run.verbose = opts.timings = true;
    } else if (a == "--missing-probes=warn" || a == "--missing-probes=error") {
      opts.run.warn_missing = a == "--missing-probes=warn";
    } else if (a == "--unsafe") {
      opts.unsafe = true;
    } else if (a == "--map-size") {
      std::string v = need("--map-size");
      char* end = nullptr;
      unsigned long n = strtoul(v.c_str(), &end, 10);
      if (*end || n == 0 || n > (1ul << 24)) {
        fprintf(stderr, "scry: --map-size takes a number of entries from 1 to 16777216\n");
        return 1;
      }
      opts.map_size = uint32_t(n);
    } else if (a == "--no-cache") {
      opts.cache = false;
    } else if (a == "--dry-run") {
      opts.run.dry_run = true;
    } else if (a.rfind("--dump=", 0) == 0) {
      opts.dump = a.substr(7);
      if (opts.dump != "ast" && opts.dump != "typed" && opts.dump != "ir" && opts.dump != "elf") {
        fprintf(stderr, "scry: --dump takes ast, typed, ir or elf\n");
        return 1;
      }
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "--info") {
      scry::print_info(stdout, SCRY_VERSION);
      return 0;
    } else if (a == "--version" || a == "-V") {
      printf("scry %s\n", SCRY_VERSION);
      return 0;
    } else if (a == "--") {
      for (i++; i < argc; i++) rest.push_back(argv[i]);
    } else if (a.size() > 1 && a[0] == '-') {
      fprintf(stderr, "scry: unknown option '%s' (see scry --help)\n", a.c_str());
      return 1;
    } else {
      std::ifstream f(a);
      if (!f) {
        fprintf(stderr, "scry: cannot read '%s': %s\n", a.c_str(), strerror(errno));
        return 1;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      opts.source = ss.str();
      opts.filename = a;
      have_program = true;
    }
  }
  if (list && !have_program && !pattern.empty() && pattern.find(':') == std::string::npos &&
      pattern.find_first_of("*?[") == std::string::npos && access(pattern.c_str(), R_OK) == 0 &&
      pattern.size() > 3 && pattern.compare(pattern.size() - 3, 3, ".bt") == 0) {
    // scry -l script.bt: the script's probes
    std::ifstream f(pattern);
    std::stringstream ss;
    ss << f.rdbuf();
    opts.source = ss.str();
    opts.filename = pattern;
    have_program = true;
  }
  if (list && !have_program) {
    size_t n = scry::list_probes(pattern, list_verbose || opts.timings, stdout);
    return n ? 0 : 1;
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
  if (!opts.map_size)
    if (const char* env = getenv("BPFTRACE_MAP_KEYS_MAX")) opts.map_size = uint32_t(strtoul(env, nullptr, 10));
  if (!out_file.empty()) {
    opts.run.out = fopen(out_file.c_str(), "w");
    if (!opts.run.out) {
      fprintf(stderr, "scry: cannot write '%s': %s\n", out_file.c_str(), strerror(errno));
      return 1;
    }
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
