#include <cerrno>

#include "runtime/features.h"
#include "runtime/probes/attacher.h"

namespace scry {

namespace {

bool attach(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
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
