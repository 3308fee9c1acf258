#include "runtime/format/folded.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "runtime/format/stack.h"
#include "runtime/format/value.h"

namespace scry::fmt {

bool foldable(const MapSpec& spec) {
  TypeKind k = spec.value.kind;
  return k == TypeKind::Count || k == TypeKind::Sum || k == TypeKind::Integer;
}

std::string format_folded(const MapSpec& spec, std::vector<MapEntry> entries, const ValueNames& names) {
  const Type& k = spec.key;
  std::vector<Type> parts;
  std::vector<uint32_t> offsets;
  if (k.kind == TypeKind::Tuple) parts = k.elems, offsets = k.offsets;
  else if (k.kind != TypeKind::None) parts = {k}, offsets = {0};
  // Stacks that differ only in offsets within the same functions fold into one line.
  std::map<std::string, int64_t> lines;
  for (auto& e : entries) {
    std::vector<std::string> plain, user, kernel;
    for (size_t i = 0; i < parts.size(); i++) {
      const uint8_t* p = e.key.data() + offsets[i];
      if (parts[i].kind == TypeKind::UStack) {
        for (auto& f : folded_frames(parts[i], p, names)) user.push_back(f);
      } else if (parts[i].kind == TypeKind::KStack) {
        for (auto& f : folded_frames(parts[i], p, names)) kernel.push_back(f);
      } else {
        std::string s = format_scalar(parts[i], p, names);
        for (char& c : s)
          if (c == ';' || c == '\n') c = '_';
        plain.push_back(s);
      }
    }
    std::string line;
    for (auto* group : {&plain, &user, &kernel})
      for (auto& f : *group) line += (line.empty() ? "" : ";") + f;
    if (line.empty()) line = spec.name;  // a map without keys: one frame, its name
    int64_t v;
    std::memcpy(&v, e.value.data(), 8);
    lines[line] += v;
  }
  std::vector<std::pair<std::string, int64_t>> sorted(lines.begin(), lines.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  std::string out;
  for (auto& [line, count] : sorted) out += line + " " + std::to_string(count) + "\n";
  return out;
}

}  // namespace scry::fmt
