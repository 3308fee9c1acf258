#include "src/driver/driver.h"

#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "grammar/parse_context.h"
#include "src/builtins/builtin.h"
#include "src/codegen/codegen.h"
#include "runtime/features.h"
#include "src/driver/compile_cache.h"
#include "src/driver/program_file.h"
#include "src/diag/diag.h"
#include "src/preprocess/preprocess.h"
#include "src/probes/binaries.h"
#include "src/probes/listing.h"
#include "src/probes/probes.h"
#include "src/probes/provider.h"
#include "src/probes/syscalls.h"
#include "src/types/btf.h"
#include "src/types/c_definitions.h"
#include "src/types/header_macros.h"
#include "src/sema/sema.h"

namespace scry {

namespace {


// Sends the diagnostics not sent yet to the output: warnings after sema, then what a later
// phase adds (each one once).
struct Reporter {
  Output& out;
  const Diagnostics& diags;
  size_t sent = 0;
  std::vector<DiagnosticRecord> warnings;  // kept for the compile cache
  void flush() {
    auto& all = diags.all();
    for (; sent < all.size(); sent++) {
      auto& d = all[sent];
      DiagnosticRecord r;
      r.error = diag_severity(d.kind) == Severity::Error;
      r.id = diag_id(d.kind);
      r.file = diags.filename();
      r.line = d.loc.line;
      r.col = d.loc.col;
      r.end_col = std::max(d.loc.col, d.loc.end_line == d.loc.line ? d.loc.end_col : d.loc.col);
      r.message = d.message;
      r.notes = d.notes;
      r.rendered = diags.render(d);
      out.diagnostic(r);
      if (!r.error) warnings.push_back(r);
    }
  }
  int fail() {
    flush();
    return 1;
  }
};

// "#!/usr/bin/scry" on the first line: blanked, so that line numbers stay right.
std::string strip_shebang(std::string s) {
  if (s.rfind("#!", 0) == 0) {
    size_t nl = s.find('\n');
    s.replace(0, nl == std::string::npos ? s.size() : nl, "");
  }
  return s;
}

// Where an #include'd file is looked for before the system's directories: the script's
// directory, then the -I directories.
std::vector<std::string> include_search_dirs(const DriverOptions& opts) {
  std::vector<std::string> dirs;
  std::string script = opts.filename == "stdin" ? "." : opts.filename;
  dirs.push_back(script.find('/') == std::string::npos ? "." : script.substr(0, script.rfind('/')));
  dirs.insert(dirs.end(), opts.include_dirs.begin(), opts.include_dirs.end());
  return dirs;
}

// Whether an #include'd file exists ("x.h" beside the script first, then -I, then the system's).
bool include_exists(const std::string& name, const DriverOptions& opts) {
  std::vector<std::string> dirs = include_search_dirs(opts);
  for (const char* d : {"/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include"}) dirs.push_back(d);
  if (!name.empty() && name[0] == '/') return access(name.c_str(), R_OK) == 0;
  for (auto& d : dirs)
    if (access((d + "/" + name).c_str(), R_OK) == 0) return true;
  return false;
}

// #include, #define, #if... and C type definitions before the probes. Types come from BTF and
// the script's C definitions; of the included headers, their constants (header_macros()).
std::string preprocess_script(const std::string& source, const DriverOptions& opts, Diagnostics& diags) {
  for (auto& inc : opts.includes)
    if (!include_exists(inc, opts)) diags.report(DiagKind::BadPreprocessor, Loc{}, "--include: '" + inc + "' file not found");
  if (opts.includes.empty() && source.find('#') == std::string::npos && source.find("struct ") == std::string::npos &&
      source.find("union ") == std::string::npos && source.find("enum ") == std::string::npos)
    return source;
  std::map<std::string, std::string> predefined = {{"BPFTRACE_HAVE_BTF", "1"}, {"__x86_64__", "1"}};
  PreprocessResult pp = preprocess(source, predefined);
  for (auto& e : pp.errors) diags.report(DiagKind::BadPreprocessor, Loc{e.line, e.col, e.line, e.col}, e.message);
  std::vector<std::string> headers;
  for (auto& inc : opts.includes)
    if (include_exists(inc, opts)) headers.push_back(inc);
  for (size_t i = 0; i < pp.includes.size(); i++) {
    if (include_exists(pp.includes[i], opts)) {
      headers.push_back(pp.includes[i]);
      continue;
    }
    int line = pp.include_lines[i];
    int len = std::max(1, int(diags.source_line(line).size()));
    diags.report(DiagKind::BadPreprocessor, Loc{line, 1, line, len}, "'" + pp.includes[i] + "' file not found");
  }
  // The headers' constants, then the script again with them (its own #defines come after).
  std::map<std::string, std::string> constants;
  if (!headers.empty() && !diags.has_errors() && header_macros(headers, include_search_dirs(opts), constants) &&
      !constants.empty()) {
    constants.insert(predefined.begin(), predefined.end());
    pp = preprocess(source, constants);
  }
  // The script's definitions replace the kernel's types of the same names (as in bpftrace).
  KernelBtf* btf = pp.c_definitions.empty() ? nullptr : KernelBtf::get();
  std::vector<CDefinitionText> own;
  for (auto& def : pp.c_definitions) own.push_back({def.text, def.line});
  std::vector<CDefinitionError> errors;
  if (!own.empty() && btf && !add_c_definitions(own, *btf, errors))
    for (auto& e : errors) {
      int len = int(diags.source_line(e.line).size());
      diags.report(DiagKind::BadCDefinition, Loc{e.line, e.col ? e.col : 1, e.line, e.col ? e.col : len},
                   e.message);
    }
  if (!own.empty() && !btf)
    diags.report(DiagKind::BadCDefinition, Loc{own[0].line, 1, own[0].line, 1},
                 "C definitions need the kernel's BTF (/sys/kernel/btf/vmlinux), which this kernel lacks");
  return pp.text;
}

// Loads and runs a compiled program; a load failure becomes a diagnostic at the script line
// the verifier stopped at.
int run_compiled(const DriverOptions& opts, Diagnostics& diags, Reporter& reporter, const std::vector<uint8_t>& elf,
                 const Manifest& manifest, PhaseTimer& t) {
  LoadError load_error;
  int rc = run_program(elf, manifest, opts.run, load_error);
  t.done("run");
  if (rc != 0 && !load_error.message.empty()) {
    // Point at the script line the verifier stopped at, when the line info says.
    Loc where{load_error.line, 1, load_error.line, std::max(1, int(diags.source_line(load_error.line).size()))};
    auto& d = diags.report(DiagKind::VerifierRejected, load_error.line > 0 ? where : Loc{},
                           load_error.verifier
                               ? "the kernel's BPF verifier rejected this program: " + load_error.message
                               : "cannot load the BPF program: " + load_error.message);
    for (auto& p : manifest.probes) {
      if (p.prog_name != load_error.program) continue;
      d.notes.push_back("in probe " + p.name);
      if (load_error.log_too_small) {  // bpftrace's words
        d.message = "Error loading program: " + p.name + " (the verifier's log does not fit in " +
                    std::to_string(opts.run.log_size) + " bytes)";
        d.notes.push_back("raise BPFTRACE_LOG_SIZE");
      }
      const char* refused = provider_for(p.kind).load_refused;
      if (refused && !load_error.verifier) {
        d.message = std::string(refused) + ": loading " + p.name + " failed with " +
                    load_error.message.substr(load_error.message.rfind(':') + 2);
        if (!p.hint.empty()) d.notes.push_back("instead, try: " + p.hint);
      }
    }
    if (opts.run.verbose && !load_error.log.empty()) d.notes.push_back("log:\n" + load_error.log);
    else if (load_error.verifier) d.notes.push_back("run with -v to see the verifier's log");
    return reporter.fail();
  }
  return rc;
}

// Files the compile read besides the script: uprobe binaries and cgroupid() paths.
std::vector<std::string> compile_inputs(const Manifest& m) {
  std::vector<std::string> out = m.compile_inputs;
  for (auto& p : m.probes)
    if (!p.path.empty() && std::find(out.begin(), out.end(), p.path) == out.end()) out.push_back(p.path);
  return out;
}

}  // namespace

// A quarter of this machine's memory (/proc/meminfo's MemTotal), 1 GB if it cannot be read.
static uint64_t default_map_memory() {
  FILE* f = fopen("/proc/meminfo", "re");
  unsigned long long kb = 0;
  if (f) {
    if (fscanf(f, "MemTotal: %llu kB", &kb) != 1) kb = 0;
    fclose(f);
  }
  return kb ? kb * 1024 / 4 : 1ull << 30;
}

// bpftrace's limits on attach points and programs, in its words (and variables): `matched`
// events to attach to, by as many programs as there are instances (one each; syscall
// tracepoints share).
static bool within_limits(const DriverOptions& opts, const Compilation& c, size_t matched, Diagnostics& diags) {
  Loc where = c.prog.probes.empty() || c.prog.probes[0].attach_points.empty() ? Loc{} : c.prog.probes[0].attach_points[0].loc;
  if (c.instances.size() > opts.max_programs) {
    diags.report(DiagKind::LimitExceeded, where,
                 "Your program is trying to generate more than " + std::to_string(c.instances.size()) +
                     " BPF programs, which exceeds the current limit of " + std::to_string(opts.max_programs))
        .notes.push_back("You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.");
    return false;
  }
  if (matched > opts.max_probes) {
    diags.report(DiagKind::LimitExceeded, where,
                 "Can't attach to " + std::to_string(matched) + " probes because it exceeds the current limit of " +
                     std::to_string(opts.max_probes) + " probes.")
        .notes.push_back("You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE "
                         "CAREFUL since a high number of probes attached can cause your system to crash.");
    return false;
  }
  return true;
}

// Expressions and blocks nested deeper than this are refused: sema and code generation walk
// the tree recursively, a few KB of stack per level (src/main.cpp lets the stack grow to
// 128 MB); bpftrace compiles 5,000 terms of 1+1+...
constexpr size_t kMaxNesting = 10000;

bool compile(const DriverOptions& opts, Diagnostics& diags, Compilation& c, Stage last, PhaseTimer* timer) {
  PhaseTimer quiet{false};
  PhaseTimer& t = timer ? *timer : quiet;
  std::string source = preprocess_script(strip_shebang(opts.source), opts, diags);
  if (diags.has_errors()) return false;

  ParseContext pc(diags);
  parse_program(source, pc);
  c.prog = std::move(pc.program);
  t.done("parse");
  // The passes after this one walk the program recursively: a nesting they could not walk
  // is an error here (the parser itself keeps its stack on the heap).
  Loc deepest;
  if (size_t depth = nesting_depth(c.prog, deepest); depth > kMaxNesting) {
    diags.report(DiagKind::LimitExceeded, deepest,
                 "the program nests " + std::to_string(depth) + " levels deep, more than the " +
                     std::to_string(kMaxNesting) + " scry compiles");
    destroy_flat(c.prog);
    return false;
  }
  if (diags.has_errors() || last == Stage::Parse) return !diags.has_errors();

  expand_probes(c.prog, c.instances, diags, opts.params);
  t.done("probes");
  if (diags.has_errors() || last == Stage::Probes) return !diags.has_errors();
  size_t matched = c.instances.size();
  fan_in_syscalls(c.prog, c.instances);
  share_kprobe_programs(c.prog, c.instances);
  if (!within_limits(opts, c, matched, diags)) return false;
  std::vector<BlockUser> users;
  for (auto& inst : c.instances) users.push_back({&inst.probe_index, inst.spec.name});
  give_each_instance_its_block(c.prog, users);

  SemaOptions sopts;
  sopts.params = opts.params;
  sopts.unsafe = opts.unsafe;
  if (opts.map_size) sopts.map_max_entries = opts.map_size;
  if (opts.strlen) sopts.default_strlen = opts.strlen;
  sopts.default_stack_mode = opts.stack_mode;
  sopts.map_memory_budget = opts.map_memory ? opts.map_memory : default_map_memory();
  sopts.possible_cpus = uint32_t(std::max(1, libbpf_num_possible_cpus()));
  sopts.hist_sums = opts.hist_sums;
  sopts.runtime_params = opts.runtime_params;
  run_sema(c.prog, c.instances, c.manifest, sopts, diags);
  t.done("sema");
  if (diags.has_errors() || last == Stage::Typed) return !diags.has_errors();

  c.manifest.helper_check = opts.helper_check;
  c.manifest.runtime_params = opts.runtime_params;
  bool ok = generate(c.prog, c.instances, c.manifest, diags, opts.dump == "ir", c.code);
  for (auto& site : c.manifest.helper_sites) {
    site.file = opts.filename;
    site.source = diags.source_line(site.line);
  }
  t.done("codegen");
  return ok;
}

namespace {

// The options that change the compiled program, kept in a compiled program's file.
nlohmann::json compile_options_json(const DriverOptions& o) {
  return {{"unsafe", o.unsafe},         {"k", o.helper_check},         {"stack_mode", int(o.stack_mode)},
          {"map_memory", o.map_memory}, {"map_size", o.map_size},       {"strlen", o.strlen},
          {"max_probes", o.max_probes}, {"max_programs", o.max_programs}, {"includes", o.includes},
          {"include_dirs", o.include_dirs}, {"hist_sums", o.hist_sums}, {"runtime_params", o.runtime_params}};
}

void apply_compile_options(const nlohmann::json& j, DriverOptions& o) {
  o.unsafe = j.value("unsafe", false);
  o.helper_check = j.value("k", 0u);
  o.stack_mode = StackMode(j.value("stack_mode", 0));
  o.map_memory = j.value("map_memory", uint64_t(0));
  o.map_size = j.value("map_size", 0u);
  o.strlen = j.value("strlen", 0u);
  o.max_probes = j.value("max_probes", o.max_probes);
  o.max_programs = j.value("max_programs", o.max_programs);
  o.includes = j.value("includes", std::vector<std::string>{});
  o.include_dirs = j.value("include_dirs", std::vector<std::string>{});
  o.hist_sums = j.value("hist_sums", false);
  o.runtime_params = j.value("runtime_params", false);
}

int refuse_unprivileged(Output& out) {
  out.error("scry needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs: run it as root");
  return 1;
}

std::string kernel_release() {
  utsname u;
  return uname(&u) == 0 ? u.release : "an unknown kernel";
}

// A regular file (or a new one) is written beside and renamed over, executable: a program
// that runs from it meanwhile never reads half of it. Anything else (/dev/null) is written to.
bool write_program(const std::string& path, const std::string& bytes) {
  struct stat st;
  bool regular = stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);
  std::string tmp = regular ? path + ".tmp" : path;
  FILE* f = fopen(tmp.c_str(), "wb");
  bool ok = f && fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (f && fclose(f) != 0) ok = false;
  if (ok && regular) ok = chmod(tmp.c_str(), 0755) == 0 && rename(tmp.c_str(), path.c_str()) == 0;
  int saved = errno;
  if (!ok && regular) unlink(tmp.c_str());
  errno = saved;
  return ok;
}

// --compile -o FILE: the program, with what is needed to check the kernel where it runs.
// Without parameters its $N are read when it runs; histograms keep their sums (--metrics).
int compile_to_file(DriverOptions opts, Output& out, PhaseTimer& t) {
  opts.hist_sums = true;
  opts.runtime_params = opts.params.empty();
  Diagnostics diags(opts.filename, opts.source);
  Reporter reporter{out, diags, 0, {}};
  Compilation c;
  bool ok = compile(opts, diags, c, Stage::Code, &t);
  reporter.flush();
  if (!ok) return 1;
  ProgramFile p{SCRY_VERSION, kernel_release(), opts.source, opts.filename, opts.params,
                compile_options_json(opts), layout_facts(c.prog, c.instances), c.manifest, c.code.elf};
  if (!write_program(opts.compile_to, program_file_bytes(p))) {
    out.error("cannot write '" + opts.compile_to + "': " + strerror(errno));
    return 1;
  }
  fprintf(stderr, "scry: compiled %s into %s (%zu probes, a BPF object of %zu bytes)\n", opts.filename.c_str(),
          opts.compile_to.c_str(), c.manifest.probes.size(), c.code.elf.size());
  return 0;
}

// `ARGS` of a compiled program that reads them when it runs: numbers.
bool runtime_params(const std::vector<std::string>& args, std::vector<int64_t>& values, std::string& error) {
  if (args.size() > kMaxRuntimeParams) {
    error = "a compiled program takes at most " + std::to_string(kMaxRuntimeParams) + " parameters";
    return false;
  }
  for (size_t i = 0; i < args.size(); i++) {
    char* end = nullptr;
    errno = 0;
    long long v = args[i].empty() ? 0 : strtoll(args[i].c_str(), &end, 0);
    if (args[i].empty() || *end || errno) {
      error = "parameter $" + std::to_string(i + 1) + " is '" + args[i] + "': a compiled program's parameters are numbers";
      return false;
    }
    values.push_back(v);
  }
  return true;
}

// scry prog.scry [ARGS]: checks that this kernel lays out what the program reads as the one
// it was compiled on did (the script typed again, no code generated), then runs it.
int run_program_file(const DriverOptions& cli, Output& out, PhaseTimer& t) {
  ProgramFile p;
  std::string error;
  if (!parse_program_file(cli.source, p, error)) {
    out.error(cli.filename + ": " + error);
    return 1;
  }
  if (p.version != SCRY_VERSION) {
    out.error(cli.filename + " was compiled by scry " + p.version + ", this is scry " + SCRY_VERSION +
              ": compile it again with this one");
    return 1;
  }
  DriverOptions opts;
  opts.source = p.source;
  opts.filename = p.filename;
  opts.params = p.params;
  apply_compile_options(p.options, opts);
  opts.run = cli.run;
  opts.timings = cli.timings;
  if (!p.manifest.runtime_params && !cli.params.empty()) {
    out.error(cli.filename + " was compiled with its parameters given (" + std::to_string(p.params.size()) +
              "): it takes none when it runs");
    return 1;
  }
  if (p.manifest.runtime_params && !runtime_params(cli.params, opts.run.params, error)) {
    out.error(error);
    return 1;
  }
  Diagnostics diags(opts.filename, opts.source);
  Reporter reporter{out, diags, 0, {}};
  Compilation c;
  if (!compile(opts, diags, c, Stage::Typed, &t)) {
    reporter.flush();
    out.error(cli.filename + " cannot run on this kernel: its script does not type here (compiled on " + p.kernel + ")");
    return 1;
  }
  LayoutDifference d = layout_difference(p.layout, layout_facts(c.prog, c.instances));
  t.done("layout");
  if (!d.message.empty()) {
    auto& r = diags.report(DiagKind::LayoutChanged, d.loc,
                           cli.filename + " was compiled for another kernel (" + p.kernel + "): " + d.message);
    r.notes.push_back("in probe " + d.probe);
    r.notes.push_back("compile it again on this kernel: scry --compile -o " + cli.filename + " " + p.filename);
    return reporter.fail();
  }
  reporter.flush();
  if (!has_bpf_privileges()) {
    return refuse_unprivileged(out);
  }
  return run_compiled(opts, diags, reporter, p.elf, p.manifest, t);
}

}  // namespace

int run_driver(const DriverOptions& options) {
  DriverOptions opts = options;
  std::unique_ptr<Output> output = make_output(opts.run.format, opts.run.out);
  opts.run.output = output.get();
  Output& out = *output;
  install_builtin_printers();
  PhaseTimer t{opts.timings};
  Diagnostics diags(opts.filename, opts.source);
  Reporter reporter{out, diags, 0, {}};
  set_target_pid(opts.run.pid);
  set_target_command(opts.run.command.empty() ? "" : opts.run.command[0]);
  if (is_program_file(opts.source)) return run_program_file(opts, out, t);
  if (!opts.compile_to.empty()) return compile_to_file(opts, out, t);

  // A script compiled before runs from the compile cache: nothing is parsed or compiled.
  // Loading needs root; compiling does not (a script can be checked, listed and dumped by
  // anyone), but the compile cache is root's.
  bool root = has_bpf_privileges();  // root, or CAP_BPF and CAP_PERFMON
  // A program compiled for another kernel (SCRY_KERNEL_ROOT) is never cached.
  bool use_cache = opts.cache && opts.dump.empty() && !opts.list && root && !getenv("SCRY_KERNEL_ROOT");
  std::string changes = "unsafe=" + std::to_string(opts.unsafe) + " map_size=" + std::to_string(opts.map_size) +
                        " strlen=" + std::to_string(opts.strlen) + " max_probes=" + std::to_string(opts.max_probes) +
                        " max_programs=" + std::to_string(opts.max_programs) +
                        " pid=" + std::to_string(opts.run.pid) + " k=" + std::to_string(opts.helper_check) + " stack_mode=" + std::to_string(int(opts.stack_mode)) + " map_memory=" + std::to_string(opts.map_memory) + " hist_sums=" + std::to_string(opts.hist_sums) +
                        " c=" + (opts.run.command.empty() ? "" : opts.run.command[0]);  // usdt::NAME: the process's files
  for (auto& i : opts.includes) changes += " include=" + i;
  for (auto& d : opts.include_dirs) changes += " -I" + d;
  CompileCache cache(use_cache, use_cache ? compile_key(opts.source, opts.filename, opts.params, changes) : "");
  auto hit = cache.lookup();
  // A cached program that runs commands or sends signals runs only when this run allows it,
  // whatever the entry says (the key has the flag; a planted entry must not be a root shell).
  if (hit && hit->manifest.needs_unsafe && !opts.unsafe) hit.reset();
  if (hit) {
    t.done("cache hit");
    for (auto& w : hit->warnings) out.diagnostic(w);
    int rc = run_compiled(opts, diags, reporter, hit->elf, hit->manifest, t);
    if (rc != 0) cache.drop();  // it did not load or attach: compiled afresh next time
    return rc;
  }

  Compilation c;
  Stage last = opts.dump == "ast" ? Stage::Parse : opts.list ? Stage::Probes : opts.dump == "typed" ? Stage::Typed
                                                                                                    : Stage::Code;
  bool ok = compile(opts, diags, c, last, &t);
  reporter.flush();  // the errors, or the warnings
  if (!ok) return 1;
  if (opts.dump == "ast" || opts.dump == "typed") {
    fputs(dump_ast(c.prog, opts.dump == "typed").c_str(), stdout);
    return 0;
  }
  if (opts.list) {
    list_script_probes(c.instances, opts.list_verbose, stdout);
    return 0;
  }
  const CodegenResult& code = c.code;
  const Manifest& manifest = c.manifest;
  if (opts.dump == "ir") {
    fputs(code.ir.c_str(), stdout);
    return 0;
  }
  if (opts.dump == "elf") {  // the BPF object, for llvm-objdump / bpftool
    fwrite(code.elf.data(), 1, code.elf.size(), stdout);
    return 0;
  }

  if (!root) {
    return refuse_unprivileged(out);
  }
  cache.store({code.elf, manifest, reporter.warnings}, compile_inputs(manifest));
  int rc = run_compiled(opts, diags, reporter, code.elf, manifest, t);
  if (rc != 0) cache.drop();  // a program that did not load is not kept
  return rc;
}

}  // namespace scry
