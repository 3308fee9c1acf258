#include <cctype>
#include <cstring>
#include <map>

#include "src/builtins/builtin.h"
#ifndef SCRY_CODEGEN
#include "runtime/format/value.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

const std::vector<const Builtin*>& all_builtins() {
  static const std::vector<const Builtin*> all = [] {
    std::vector<const Builtin*> out;
    for (auto* family :
         {&process_builtins(), &probe_builtins(), &time_builtins(), &string_builtins(), &output_builtins(),
          &map_builtins(), &stack_builtins(), &network_builtins(), &system_builtins()})
      for (const Builtin& b : *family) out.push_back(&b);
    return out;
  }();
  return all;
}

int numbered_suffix(const std::string& name, const char* prefix) {
  size_t n = strlen(prefix);
  if (name.size() <= n || name.compare(0, n, prefix) != 0) return -1;
  for (size_t i = n; i < name.size(); i++)
    if (!isdigit((unsigned char)name[i])) return -1;
  return atoi(name.c_str() + n);
}

namespace {

struct Index {
  std::map<std::string, const Builtin*> identifiers, calls, printers;
  std::vector<const Builtin*> numbered;
};

const Index& index() {
  static const Index idx = [] {
    Index i;
    for (const Builtin* b : all_builtins()) {
      if (b->form == Form::Identifier) {
        if (b->numbered)
          i.numbered.push_back(b);
        else
          i.identifiers.emplace(b->name, b);
      } else {
        i.calls.emplace(b->name, b);
      }
      if (b->value_kind) i.printers.emplace(b->value_kind, b);
    }
    return i;
  }();
  return idx;
}

}  // namespace

const Builtin* find_identifier(const std::string& name) {
  auto& idx = index();
  auto it = idx.identifiers.find(name);
  if (it != idx.identifiers.end()) return it->second;
  for (const Builtin* b : idx.numbered)
    if (numbered_suffix(name, b->name) >= 0) return b;
  return nullptr;
}

const Builtin* find_call(const std::string& name) {
  auto& idx = index();
  auto it = idx.calls.find(name);
  return it == idx.calls.end() ? nullptr : it->second;
}

Printer find_printer(const std::string& value_kind) {
  auto& idx = index();
  auto it = idx.printers.find(value_kind);
  return it == idx.printers.end() ? nullptr : it->second->print;
}

}  // namespace SCRY_BUILTINS_SIDE

#ifndef SCRY_CODEGEN
void install_builtin_printers() { fmt::set_special_printers(find_printer); }
#endif

}  // namespace scry
