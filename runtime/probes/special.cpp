// BEGIN and END are not attached: scry runs them (run_special, BPF_PROG_TEST_RUN).
#include "runtime/probes/attacher.h"

namespace scry {

const std::vector<Attacher>& special_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Begin, ProbeKind::End}, nullptr}};
  return a;
}

}  // namespace scry
