#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// A USDT probe is a uprobe at its location; the kernel counts the probe's semaphore up while
// it is attached (uprobe ref_ctr), so the program runs the probe's is-enabled code.
bool attach(bpf_program* prog, const ProbeSpec& p, int pid, Attachments& out, std::string& error) {
  LIBBPF_OPTS(bpf_uprobe_opts, opts, .ref_ctr_offset = p.ref_ctr_offset);
  return keep_link(bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, p.path.c_str(), p.offset, &opts), p, out,
                   error);
}

}  // namespace

const std::vector<Attacher>& usdt_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Usdt}, attach, true}};
  return a;
}

}  // namespace scry
