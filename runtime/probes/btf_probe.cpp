#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// tp_btf, fentry and fexit: libbpf attaches by the BTF id the program was loaded with.
bool attach(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  return keep_link(bpf_program__attach_trace(prog), p, out, error);
}

}  // namespace

const std::vector<Attacher>& btf_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::RawTracepoint, ProbeKind::Fentry, ProbeKind::Fexit}, attach}};
  return a;
}

}  // namespace scry
