// Probes on perf events: interval (a timer on one CPU), profile (a timer on every CPU), and
// software and hardware events (every CPU, every COUNT events).
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#ifndef SCRY_CODEGEN
#include "src/sema/sema.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// interval:UNIT:N and profile:UNIT:N share the unit grammar.
bool timer_period(const AttachPoint& ap, const std::vector<std::string>& parts, const char* kind, uint64_t& period_ns,
                  uint64_t& hz, Diagnostics& diags) {
  uint64_t n = 0;
  if (parts.size() != 3 || !parse_u64(parts[2], n) || n == 0) {
    diags.report(
        DiagKind::BadAttachPoint, ap.loc,
        std::string(kind) + " probes are written " + kind + ":UNIT:N with N > 0 and UNIT one of s, ms, us, hz");
    return false;
  }
  const std::string& u = parts[1];
  if (u == "s")
    period_ns = n * 1000000000ull;
  else if (u == "ms")
    period_ns = n * 1000000ull;
  else if (u == "us")
    period_ns = n * 1000ull;
  else if (u == "hz")
    hz = n;
  else {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "unknown time unit '" + u + "' (expected s, ms, us or hz)");
    return false;
  }
  return true;
}

bool expand_interval(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
                     Diagnostics& diags) {
  ProbeInstance pi;
  uint64_t hz = 0;
  if (!timer_period(ap, parts, "interval", pi.spec.period_ns, hz, diags)) return false;
  if (hz) pi.spec.period_ns = 1000000000ull / hz;
  pi.spec.kind = ProbeKind::Interval;
  pi.spec.name = "interval:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

bool expand_profile(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
                    Diagnostics& diags) {
  ProbeInstance pi;
  if (!timer_period(ap, parts, "profile", pi.spec.period_ns, pi.spec.freq_hz, diags)) return false;
  pi.spec.kind = ProbeKind::Profile;
  pi.spec.name = "profile:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

// software:EVENT[:COUNT] and hardware:EVENT[:COUNT], with bpftrace's event names and aliases.
struct PerfEvent {
  const char* name;
  const char* alias;
  uint64_t config;  // PERF_COUNT_SW_* / PERF_COUNT_HW_*
  uint64_t period;  // default events per sample
};

const std::vector<PerfEvent> kSoftwareEvents = {
    {"cpu-clock", "cpu", 0, 1000000},    {"task-clock", nullptr, 1, 1000000},
    {"page-faults", "faults", 2, 100},   {"context-switches", "cs", 3, 1000},
    {"cpu-migrations", nullptr, 4, 1},   {"minor-faults", nullptr, 5, 100},
    {"major-faults", nullptr, 6, 1},     {"alignment-faults", nullptr, 7, 1},
    {"emulation-faults", nullptr, 8, 1}, {"dummy", nullptr, 9, 1},
    {"bpf-output", nullptr, 10, 1},
};
const std::vector<PerfEvent> kHardwareEvents = {
    {"cpu-cycles", "cycles", 0, 1000000},
    {"instructions", nullptr, 1, 1000000},
    {"cache-references", nullptr, 2, 1000000},
    {"cache-misses", nullptr, 3, 1000000},
    {"branch-instructions", "branches", 4, 100000},
    {"branch-misses", nullptr, 5, 100000},
    {"bus-cycles", nullptr, 6, 100000},
    {"frontend-stalls", nullptr, 7, 1000000},
    {"backend-stalls", nullptr, 8, 1000000},
    {"ref-cycles", nullptr, 9, 1000000},
};

template <ProbeKind Kind>
const std::vector<PerfEvent>& events() {
  return Kind == ProbeKind::Software ? kSoftwareEvents : kHardwareEvents;
}

template <ProbeKind Kind>
bool expand_event(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
                  Diagnostics& diags) {
  std::string kname = Kind == ProbeKind::Software ? "software" : "hardware";
  if (parts.size() < 2 || parts.size() > 3) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, kname + " probes are written " + kname + ":EVENT[:COUNT]");
    return false;
  }
  for (auto& ev : events<Kind>()) {
    if (parts[1] != ev.name && !(ev.alias && parts[1] == ev.alias)) continue;
    ProbeInstance pi;
    pi.spec.kind = Kind;
    pi.spec.sw_config = ev.config;
    pi.spec.sw_period = ev.period;
    if (parts.size() == 3 && (!parse_u64(parts[2], pi.spec.sw_period) || pi.spec.sw_period == 0)) {
      diags.report(DiagKind::BadAttachPoint, ap.loc, "the count of a " + kname + " probe must be a positive integer");
      return false;
    }
    pi.spec.name = kname + ":" + parts[1] + ":" + std::to_string(pi.spec.sw_period);
    out.push_back(pi);
    return true;
  }
  diags.report(DiagKind::BadAttachPoint, ap.loc, "unknown " + kname + " event '" + parts[1] + "'");
  return false;
}

template <ProbeKind Kind>
void list_events(Lister& l) {
  std::string kname = Kind == ProbeKind::Software ? "software:" : "hardware:";
  for (auto& ev : events<Kind>()) l.emit(kname + ev.name + ":");
}
#endif

}  // namespace

const std::vector<Provider>& perf_event_providers() {
  static const std::vector<Provider> providers = {
      {.name = "interval",
       .aliases = {"i"},
       .kinds = {ProbeKind::Interval},
       .syntax = "interval:s|ms|us|hz:N",
       .expand = FRONT_SIDE(expand_interval),
       .list = FRONT_SIDE([](Lister& l) { l.emit("interval:s:"); }),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
      {.name = "profile",
       .aliases = {"p"},
       .kinds = {ProbeKind::Profile},
       .regs_context = true,
       .syntax = "profile:hz|s|ms|us:N",
       .expand = FRONT_SIDE(expand_profile),
       .list = FRONT_SIDE([](Lister& l) { l.emit("profile:hz:"); }),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
      {.name = "software",
       .aliases = {"s"},
       .kinds = {ProbeKind::Software},
       .regs_context = true,
       .syntax = "software:EVENT[:COUNT]",
       .expand = FRONT_SIDE(expand_event<ProbeKind::Software>),
       .list = FRONT_SIDE(list_events<ProbeKind::Software>),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
      {.name = "hardware",
       .aliases = {"h"},
       .kinds = {ProbeKind::Hardware},
       .regs_context = true,
       .syntax = "hardware:EVENT[:COUNT] (needs a hardware PMU)",
       .expand = FRONT_SIDE(expand_event<ProbeKind::Hardware>),
       .list = FRONT_SIDE(list_events<ProbeKind::Hardware>),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
