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

std::string Lister::shown_name(const std::string& name, const std::vector<const char*>& aliases) const {
  if (wants(name)) return name;
  for (const char* a : aliases)
    if (wants(a)) return a;
  return "";
}

bool Lister::match(const std::string& name) const { return fnmatch(pattern_.c_str(), name.c_str(), 0) == 0; }

void Lister::emit(const std::string& given, const std::vector<std::string>& args) {
  std::string name = given;
  if (rename_from_ != rename_to_ && name.compare(0, rename_from_.size() + 1, rename_from_ + ":") == 0)
    name = rename_to_ + name.substr(rename_from_.size());
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
  for (const Provider* p : all_providers()) {
    std::string shown = p->list ? l.shown_name(p->name, p->aliases) : "";
    if (shown.empty()) continue;
    l.rename(p->name, shown);
    p->list(l);
  }
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
