#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// Attached now, run once after BEGIN (Attachments::run_iterators).
bool attach(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  if (!keep_link(bpf_program__attach_iter(prog, nullptr), p, out, error)) return false;
  out.iterators.push_back(out.links.back().get());
  return true;
}

}  // namespace

const std::vector<Attacher>& iter_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Iter}, attach}};
  return a;
}

}  // namespace scry
