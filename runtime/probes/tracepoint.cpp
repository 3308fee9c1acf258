#include "runtime/probes/attacher.h"
#include "runtime/tracefs.h"

namespace scry {

namespace {

bool attach(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  tracefs_root();  // libbpf reads the tracepoint's id there: mounted if it is not
  return keep_link(bpf_program__attach_tracepoint(prog, p.category.c_str(), p.event.c_str()), p, out, error);
}

}  // namespace

const std::vector<Attacher>& tracepoint_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Tracepoint}, attach}};
  return a;
}

}  // namespace scry
