#include "src/probes/probes.h"

#include <fnmatch.h>

#include <cstdlib>

namespace scry {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

bool parse_u64(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtoull(s.c_str(), &end, 10);
  return *end == 0;
}

bool expand_begin_end(ProbeKind kind, const AttachPoint& ap, const std::vector<std::string>& parts,
                      std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* name = kind == ProbeKind::Begin ? "BEGIN" : "END";
  if (parts.size() != 1) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(name) + " takes no arguments");
    return false;
  }
  ProbeInstance pi;
  pi.spec.kind = kind;
  pi.spec.name = name;
  out.push_back(pi);
  return true;
}

bool expand_tracepoint(const AttachPoint& ap, const std::vector<std::string>& parts,
                       std::vector<ProbeInstance>& out, Diagnostics& diags) {
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "tracepoint probes are written tracepoint:category:name");
    return false;
  }
  if (tracefs_root().empty()) {
    diags.report(DiagKind::TracefsUnavailable, ap.loc,
                 "tracefs is not mounted and could not be mounted at /sys/kernel/tracing");
    return false;
  }
  const std::string& cat = parts[1];
  const std::string& ev = parts[2];
  std::vector<std::pair<std::string, std::string>> matches;
  bool wildcard = cat.find_first_of("*?[") != std::string::npos || ev.find_first_of("*?[") != std::string::npos;
  if (wildcard) {
    for (auto& full : available_tracepoints()) {
      size_t colon = full.find(':');
      std::string c = full.substr(0, colon), e = full.substr(colon + 1);
      if (fnmatch(cat.c_str(), c.c_str(), 0) == 0 && fnmatch(ev.c_str(), e.c_str(), 0) == 0)
        matches.emplace_back(c, e);
    }
  } else {
    matches.emplace_back(cat, ev);
  }
  size_t before = out.size();
  for (auto& [c, e] : matches) {
    auto fmt = load_tracepoint_format(c, e);
    if (!fmt) continue;
    ProbeInstance pi;
    pi.spec.kind = ProbeKind::Tracepoint;
    pi.spec.name = "tracepoint:" + c + ":" + e;
    pi.spec.category = c;
    pi.spec.event = e;
    pi.format = fmt;
    out.push_back(pi);
  }
  if (out.size() == before) {
    auto& d = diags.report(DiagKind::UnknownTracepoint, ap.loc,
                           wildcard ? "no tracepoint matches '" + cat + ":" + ev + "'"
                                    : "unknown tracepoint '" + cat + ":" + ev + "'");
    d.notes.push_back("'scry -l tracepoint:*' lists the tracepoints of this kernel");
    return false;
  }
  return true;
}

// interval:UNIT:N and profile:UNIT:N share the unit grammar.
bool timer_period(const AttachPoint& ap, const std::vector<std::string>& parts, const char* kind,
                  uint64_t& period_ns, uint64_t& hz, Diagnostics& diags) {
  uint64_t n = 0;
  if (parts.size() != 3 || !parse_u64(parts[2], n) || n == 0) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probes are written " + kind + ":UNIT:N with N > 0 and UNIT one of s, ms, us, hz");
    return false;
  }
  const std::string& u = parts[1];
  if (u == "s") period_ns = n * 1000000000ull;
  else if (u == "ms") period_ns = n * 1000000ull;
  else if (u == "us") period_ns = n * 1000ull;
  else if (u == "hz") hz = n;
  else {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "unknown time unit '" + u + "' (expected s, ms, us or hz)");
    return false;
  }
  return true;
}

bool expand_interval(const AttachPoint& ap, const std::vector<std::string>& parts,
                     std::vector<ProbeInstance>& out, Diagnostics& diags) {
  ProbeInstance pi;
  uint64_t hz = 0;
  if (!timer_period(ap, parts, "interval", pi.spec.period_ns, hz, diags)) return false;
  if (hz) pi.spec.period_ns = 1000000000ull / hz;
  pi.spec.kind = ProbeKind::Interval;
  pi.spec.name = "interval:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

bool expand_profile(const AttachPoint& ap, const std::vector<std::string>& parts,
                    std::vector<ProbeInstance>& out, Diagnostics& diags) {
  ProbeInstance pi;
  if (!timer_period(ap, parts, "profile", pi.spec.period_ns, pi.spec.freq_hz, diags)) return false;
  pi.spec.kind = ProbeKind::Profile;
  pi.spec.name = "profile:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

}  // namespace

const std::vector<ProbeProvider>& all_providers() {
  static const std::vector<ProbeProvider> table = {
      {"BEGIN", {"begin"}, "BEGIN",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_begin_end(ProbeKind::Begin, ap, parts, out, d); }},
      {"END", {"end"}, "END",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_begin_end(ProbeKind::End, ap, parts, out, d); }},
      {"tracepoint", {"t"}, "tracepoint:category:name (wildcards * ? in both)", expand_tracepoint},
      {"interval", {"i"}, "interval:s|ms|us|hz:N", expand_interval},
      {"profile", {"p"}, "profile:hz|s|ms|us:N", expand_profile},
  };
  return table;
}

bool expand_probes(const Program& prog, std::vector<ProbeInstance>& out, Diagnostics& diags) {
  bool ok = true;
  for (size_t i = 0; i < prog.probes.size(); i++) {
    for (auto& ap : prog.probes[i].attach_points) {
      auto parts = split(ap.text, ':');
      const ProbeProvider* provider = nullptr;
      for (auto& p : all_providers()) {
        if (parts[0] == p.name) provider = &p;
        for (auto* a : p.aliases)
          if (parts[0] == a) provider = &p;
      }
      if (!provider) {
        Loc l = ap.loc;
        l.end_col = l.col + int(parts[0].size()) - 1;
        diags.report(DiagKind::UnknownProbeType, l, "unknown probe type '" + parts[0] + "'");
        ok = false;
        continue;
      }
      size_t before = out.size();
      if (!provider->expand(ap, parts, out, diags)) {
        ok = false;
        continue;
      }
      for (size_t j = before; j < out.size(); j++) out[j].probe_index = i;
    }
  }
  return ok;
}

}  // namespace scry
