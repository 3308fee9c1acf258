#include "src/probes/listing.h"

#include <fnmatch.h>

#include "src/probes/provider.h"

namespace scry {

Lister::Lister(std::string pattern, bool verbose, FILE* out)
    : pattern_(pattern.empty() ? "*" : std::move(pattern)), verbose_(verbose), out_(out) {
  if (pattern_.find(':') == std::string::npos) pattern_ = "*:" + pattern_;
}

bool Lister::wants(const std::string& provider) const {
  std::string first = pattern_.substr(0, pattern_.find(':'));
  return fnmatch(first.c_str(), provider.c_str(), 0) == 0;
}

bool Lister::match(const std::string& name) const { return fnmatch(pattern_.c_str(), name.c_str(), 0) == 0; }

void Lister::emit(const std::string& name, const std::vector<std::string>& args) {
  if (!match(name)) return;
  fprintf(out_, "%s\n", name.c_str());
  if (verbose_)
    for (auto& a : args) fprintf(out_, "    %s\n", a.c_str());
  count_++;
}

std::string Lister::part(size_t i) const {
  auto parts = split(pattern_, ':');
  return i < parts.size() ? parts[i] : "";
}

size_t list_probes(const std::string& pattern, bool verbose, FILE* out) {
  Lister l(pattern, verbose, out);
  for (const Provider* p : all_providers())
    if (p->list && l.wants(p->name)) p->list(l);
  return l.count();
}

void list_script_probes(const std::vector<ProbeInstance>& instances, bool verbose, FILE* out) {
  for (auto& inst : instances) {
    fprintf(out, "%s\n", inst.spec.name.c_str());
    const Provider& p = provider_for(inst.spec.kind);
    if (verbose && p.describe)
      for (auto& line : p.describe(inst)) fprintf(out, "    %s\n", line.c_str());
  }
}

}  // namespace scry
