#include "src/probes/listing.h"

#include <bpf/btf.h>
#include <fnmatch.h>

#include <cstring>
#include <set>

#include "runtime/symbols/elf_symbols.h"
#include "src/types/btf.h"

namespace scry {

namespace {

const char* const kSoftware[] = {"cpu-clock", "task-clock", "page-faults", "context-switches",
                                 "cpu-migrations", "minor-faults", "major-faults", "alignment-faults",
                                 "emulation-faults", "dummy", "bpf-output"};
const char* const kHardware[] = {"cpu-cycles", "instructions", "cache-references", "cache-misses",
                                 "branch-instructions", "branch-misses", "bus-cycles", "frontend-stalls",
                                 "backend-stalls", "ref-cycles"};

struct Lister {
  std::string pattern;  // full-name pattern
  bool verbose;
  FILE* out;
  size_t count = 0;

  bool wants(const std::string& kind) const {
    // A pattern's first part says which providers can match; "*" or none: all of them.
    std::string first = pattern.substr(0, pattern.find(':'));
    return fnmatch(first.c_str(), kind.c_str(), 0) == 0;
  }
  bool match(const std::string& name) const { return fnmatch(pattern.c_str(), name.c_str(), 0) == 0; }
  void emit(const std::string& name, const std::vector<std::string>& args = {}) {
    if (!match(name)) return;
    fprintf(out, "%s\n", name.c_str());
    if (verbose)
      for (auto& a : args) fprintf(out, "    %s\n", a.c_str());
    count++;
  }

  void tracepoints() {
    for (auto& tp : available_tracepoints()) {
      std::string name = "tracepoint:" + tp;
      if (!match(name)) continue;
      std::vector<std::string> args;
      if (verbose) {
        size_t colon = tp.find(':');
        if (auto fmt = load_tracepoint_format(tp.substr(0, colon), tp.substr(colon + 1)))
          for (auto& f : fmt->fields) args.push_back(f.c_type + " " + f.name);  // "const char * filename", as bpftrace
      }
      emit(name, args);
    }
  }

  // Raw tracepoints and kernel functions come from BTF: btf_trace_NAME typedefs and FUNCs.
  void from_btf(bool raw, bool funcs) {
    KernelBtf* kb = KernelBtf::get();
    if (!kb) return;
    if (raw)
      for (auto& n : raw_tracepoint_names()) emit("rawtracepoint:" + n);
    if (!funcs) return;
    for (auto& n : kernel_btf_functions()) {
      std::vector<std::string> args;
      if (verbose)
        if (auto f = kb->function(n))
          for (auto& [pn, pt] : f->params) args.push_back(pt.name() + " " + pn);
      emit("kprobe:" + n, args);
      emit("kretprobe:" + n);
      emit("fentry:" + n, args);
      emit("fexit:" + n, args);
    }
  }

  void binary(const std::string& kind, const std::string& path_pattern) {
    std::string path = resolve_binary(path_pattern);
    if (path.empty()) return;
    std::string full = pattern;
    // uprobe:libc:* lists as uprobe:/lib/.../libc.so.6:*
    size_t second = full.find(':', full.find(':') + 1);
    std::string func_pattern = second == std::string::npos ? "*" : full.substr(second + 1);
    pattern = kind + ":" + path + ":" + func_pattern;
    if (kind == "usdt") {
      // usdt:PATH:* lists provider:name; a pattern without a provider matches any provider.
      std::string tail = second == std::string::npos ? "*" : full.substr(second + 1);
      pattern = kind + ":" + path + ":" + (tail.find(':') == std::string::npos ? "*:" + tail : tail);
      std::set<std::string> seen;
      for (auto& p : read_usdt_probes(path))
        if (seen.insert(p.provider + ":" + p.name).second)
          emit(kind + ":" + path + ":" + p.provider + ":" + p.name, {p.arg_text});
    } else {
      for (auto& s : read_elf_symbols(path))
        if (s.is_function) emit(kind + ":" + path + ":" + s.name);
    }
    pattern = full;
  }
};

}  // namespace

size_t list_probes(const std::string& pat, bool verbose, FILE* out) {
  Lister l{pat.empty() ? "*" : pat, verbose, out};
  if (l.pattern.find(':') == std::string::npos) l.pattern = "*:" + l.pattern;
  std::string kind = l.pattern.substr(0, l.pattern.find(':'));
  // uprobe:PATH:FUNC lists a binary's functions.
  if (kind == "uprobe" || kind == "uretprobe" || kind == "usdt") {
    size_t a = l.pattern.find(':'), b = l.pattern.find(':', a + 1);
    l.binary(kind, l.pattern.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1));
    return l.count;
  }
  if (l.wants("BEGIN")) l.emit("BEGIN");
  if (l.wants("END")) l.emit("END");
  if (l.wants("tracepoint")) l.tracepoints();
  if (l.wants("software"))
    for (auto* s : kSoftware) l.emit(std::string("software:") + s + ":");
  if (l.wants("hardware"))
    for (auto* h : kHardware) l.emit(std::string("hardware:") + h + ":");
  if (l.wants("interval")) l.emit("interval:s:");
  if (l.wants("profile")) l.emit("profile:hz:");
  bool raw = l.wants("rawtracepoint");
  bool funcs = l.wants("kprobe") || l.wants("kretprobe") || l.wants("fentry") || l.wants("fexit");
  // Walking BTF is the slow part (126k types): only when the pattern can match there.
  if (raw || funcs) l.from_btf(raw, funcs);
  return l.count;
}

void list_script_probes(const std::vector<ProbeInstance>& instances, bool verbose, FILE* out) {
  for (auto& inst : instances) {
    fprintf(out, "%s\n", inst.spec.name.c_str());
    if (verbose && inst.format)
      for (auto& f : inst.format->fields)
        fprintf(out, "    %s %s\n", f.c_type.c_str(), f.name.c_str());
  }
}

}  // namespace scry
