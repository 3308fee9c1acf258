#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// By the function's name (libbpf finds it in the binary) or by file offset.
bool attach(bpf_program* prog, const ProbeSpec& p, int pid, Attachments& out, std::string& error) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = p.kind == ProbeKind::Uretprobe,
              .func_name = p.func.empty() ? nullptr : p.func.c_str());
  return keep_link(bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, p.path.c_str(), p.offset, &opts), p, out,
                   error);
}

}  // namespace

const std::vector<Attacher>& uprobe_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Uprobe, ProbeKind::Uretprobe, ProbeKind::WatchpointSetup}, attach, true}};
  return a;
}

}  // namespace scry
