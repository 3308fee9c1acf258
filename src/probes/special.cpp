// BEGIN and END: programs scry runs itself (BPF_PROG_TEST_RUN) when tracing starts and ends.
#include "src/probes/listing.h"
#include "src/probes/provider.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
template <ProbeKind Kind>
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  const char* name = Kind == ProbeKind::Begin ? "BEGIN" : "END";
  if (parts.size() != 1) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(name) + " takes no arguments");
    return false;
  }
  ProbeInstance pi;
  pi.spec.kind = Kind;
  pi.spec.name = name;
  out.push_back(pi);
  return true;
}

template <ProbeKind Kind>
void list(Lister& l) {
  l.emit(Kind == ProbeKind::Begin ? "BEGIN" : "END");
}
#endif

}  // namespace

const std::vector<Provider>& special_providers() {
  // raw_tp: a program type BPF_PROG_TEST_RUN can run; never attached.
  static const std::vector<Provider> providers = {
      {.name = "BEGIN",
       .aliases = {"begin"},
       .kinds = {ProbeKind::Begin},
       .run_by_scry = true,
       .syntax = "BEGIN",
       .expand = FRONT_SIDE(expand<ProbeKind::Begin>),
       .list = FRONT_SIDE(list<ProbeKind::Begin>),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("raw_tp"); })},
      {.name = "END",
       .aliases = {"end"},
       .kinds = {ProbeKind::End},
       .run_by_scry = true,
       .syntax = "END",
       .expand = FRONT_SIDE(expand<ProbeKind::End>),
       .list = FRONT_SIDE(list<ProbeKind::End>),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("raw_tp"); })},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
