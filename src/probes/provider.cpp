#include "src/probes/provider.h"

#include <cstdlib>

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

const std::vector<const Provider*>& all_providers() {
  static const std::vector<const Provider*> all = [] {
    std::vector<const Provider*> out;
    for (auto* file :
         {&special_providers(), &tracepoint_providers(), &perf_event_providers(), &kprobe_providers(),
          &uprobe_providers(), &usdt_providers(), &btf_providers(), &iter_providers(), &watchpoint_providers()})
      for (const Provider& p : *file) out.push_back(&p);
    return out;
  }();
  return all;
}

const Provider* provider_named(const std::string& name) {
  for (const Provider* p : all_providers()) {
    if (name == p->name) return p;
    for (const char* a : p->aliases)
      if (name == a) return p;
  }
  return nullptr;
}

const Provider& provider_for(ProbeKind kind) {
  for (const Provider* p : all_providers())
    for (ProbeKind k : p->kinds)
      if (k == kind) return *p;
  abort();  // every kind has a provider
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
