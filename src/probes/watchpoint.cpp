// watchpoint:ADDR:LEN:MODE: a hardware breakpoint on ADDR in the -p/-c process, firing on
// reads (r), writes (w) or execution (x) of LEN bytes.
#include "src/probes/provider.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  uint64_t addr = 0, len = 0;
  char* end = nullptr;
  if (parts.size() == 4) addr = std::strtoull(parts[1].c_str(), &end, 0);
  bool ok = parts.size() == 4 && end && !*end && parse_u64(parts[2], len) &&
            (len == 1 || len == 2 || len == 4 || len == 8) && !parts[3].empty();
  uint32_t mode = 0;
  for (char c : ok ? parts[3] : std::string()) mode |= c == 'r' ? 1 : c == 'w' ? 2 : c == 'x' ? 4 : 8;
  if (!ok || mode == 0 || mode > 7 || mode == 5 || mode == 6 || mode == 7) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "watchpoints are written watchpoint:ADDRESS:LENGTH:MODE with LENGTH 1, 2, 4 or 8 and "
                 "MODE one of r, w, rw, x");
    return false;
  }
  ProbeInstance pi;
  pi.spec.kind = ProbeKind::Watchpoint;
  pi.spec.wp_addr = addr;
  pi.spec.wp_len = uint32_t(len);
  pi.spec.wp_mode = mode;
  pi.spec.name = "watchpoint:" + parts[1] + ":" + parts[2] + ":" + parts[3];
  out.push_back(pi);
  return true;
}
#endif

}  // namespace

const std::vector<Provider>& watchpoint_providers() {
  static const std::vector<Provider> providers = {
      {.name = "watchpoint",
       .aliases = {"w"},
       .kinds = {ProbeKind::Watchpoint},
       .regs_context = true,
       .syntax = "watchpoint:ADDR:LEN:r|w|rw|x (needs -p or -c)",
       .expand = FRONT_SIDE(expand),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
