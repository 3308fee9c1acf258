#include <cerrno>
#include <vector>

#include "runtime/features.h"
#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// A program shared by a wildcard's functions (ProbeSpec::funcs): one kprobe_multi link where
// the loader made it a kprobe_multi program (load_object), else a link per function. Either
// way each function's attach cookie is its probe's id, which `func` and `probe` read.
bool attach_shared(bpf_program* prog, const ProbeSpec& p, Attachments& out, std::string& error) {
  bool ret = p.kind == ProbeKind::Kretprobe;
  std::vector<__u64> cookies;
  for (size_t i = 0; i < p.funcs.size(); i++) cookies.push_back(p.funcs_base + i);
  if (bpf_program__expected_attach_type(prog) == BPF_TRACE_KPROBE_MULTI) {
    std::vector<const char*> syms;
    for (auto& f : p.funcs) syms.push_back(f.c_str());
    LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = syms.data(), .cookies = cookies.data(), .cnt = syms.size(),
                .retprobe = ret);
    if (keep_link(bpf_program__attach_kprobe_multi_opts(prog, nullptr, &opts), p, out, error)) return true;
    error += " (one kprobe_multi link for " + std::to_string(p.funcs.size()) + " functions)";
    return false;
  }
  for (size_t i = 0; i < p.funcs.size(); i++) {
    LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = cookies[i], .retprobe = ret);
    bpf_link* link = bpf_program__attach_kprobe_opts(prog, p.funcs[i].c_str(), &opts);
    ProbeSpec one;  // names the function in an error (keep_link reads the name alone)
    one.name = (ret ? "kretprobe:" : "kprobe:") + p.funcs[i];
    if (!keep_link(link, one, out, error)) return false;
  }
  return true;
}

bool attach(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  if (!p.funcs.empty()) {
    if (attach_shared(prog, p, out, error)) return true;
    if (!kernel_has_kprobes()) error += ": this kernel cannot attach kprobes";
    return false;
  }
  LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = p.offset, .retprobe = p.kind == ProbeKind::Kretprobe);
  bpf_link* link = bpf_program__attach_kprobe_opts(prog, p.func.c_str(), &opts);
  int err = errno;
  if (keep_link(link, p, out, error)) return true;
  if (err == EILSEQ && p.offset)  // the kernel's word for "not at an instruction boundary"
    error = "could not attach " + p.name + ": +" + std::to_string(p.offset) +
            " is not at the start of an instruction of " + p.func;
  if (!kernel_has_kprobes())
    error +=
        ": this kernel cannot attach kprobes (no kprobe PMU in /sys/bus/event_source/devices and no "
        "kprobe_events in tracefs)";
  if (!p.hint.empty()) error += "\n  instead, try: " + p.hint;
  return false;
}

}  // namespace

const std::vector<Attacher>& kprobe_attachers() {
  // kprobes on one function run newest first (the kernel adds each to the head of the list);
  // kretprobes oldest first: their entry halves, newest first, push return instances that
  // the return trampoline then pops last in, first out.
  static const std::vector<Attacher> a = {{{ProbeKind::Kprobe}, attach, true}, {{ProbeKind::Kretprobe}, attach, false}};
  return a;
}

}  // namespace scry
