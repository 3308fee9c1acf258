#include "runtime/format/stack.h"

#include <bpf/bpf.h>

#include <cstring>

#include "runtime/symbols/kallsyms.h"

namespace scry::fmt {

std::vector<StackFrame> read_stack(const Type& t, const uint8_t* p, const ValueNames& names) {
  std::vector<StackFrame> out;
  int64_t id;
  std::memcpy(&id, p, 8);
  auto fd = names.stack_fds.find(t.stack_frames);
  if (id < 0 || fd == names.stack_fds.end() || fd->second < 0) return out;
  std::vector<uint64_t> addrs(t.stack_frames);
  uint32_t key = uint32_t(id);
  if (bpf_map_lookup_elem(fd->second, &key, addrs.data()) != 0) return out;
  uint64_t pid = 0;
  if (t.kind == TypeKind::UStack) std::memcpy(&pid, p + 8, 8);
  for (uint64_t a : addrs) {
    if (!a) break;
    StackFrame f;
    f.addr = a;
    if (t.stack_mode != StackMode::Raw)
      f.sym = t.kind == TypeKind::KStack ? Kallsyms::get().lookup(a) : UserSymbols::get().resolve(uint32_t(pid), a);
    out.push_back(std::move(f));
  }
  return out;
}

std::string frame_text(const Type& t, const StackFrame& f) {
  char hex[32];
  snprintf(hex, sizeof hex, "%llx", (unsigned long long)f.addr);
  std::string name = f.sym.known ? f.sym.name + "+" + std::to_string(f.sym.offset) : "0x" + std::string(hex);
  switch (t.stack_mode) {
    case StackMode::Raw: return hex;
    case StackMode::Perf:
      if (t.kind == TypeKind::KStack) return std::string(hex) + " " + name;
      return std::string(hex) + " " + name + " (" + (f.sym.module.empty() ? "[unknown]" : f.sym.module) + ")";
    case StackMode::Bpftrace: break;
  }
  return name;
}

std::string format_stack(const Type& t, const uint8_t* p, const ValueNames& names, int indent) {
  auto frames = read_stack(t, p, names);
  if (frames.empty()) return "";  // a user-mode sample's kernel stack: "@[]: 12", as bpftrace prints it
  std::string out = "\n";
  std::string lead = t.stack_mode == StackMode::Perf ? "\t" : t.stack_mode == StackMode::Raw ? "" : std::string(size_t(indent), ' ');
  for (auto& f : frames) out += lead + frame_text(t, f) + "\n";
  return out;
}

std::vector<std::string> folded_frames(const Type& t, const uint8_t* p, const ValueNames& names) {
  std::vector<std::string> out;
  Type named = t;
  if (named.stack_mode == StackMode::Raw) named.stack_mode = StackMode::Bpftrace;  // names even so
  auto frames = read_stack(named, p, names);
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    std::string n = it->sym.known ? it->sym.name : "[unknown]";
    // ';' separates frames: it may not appear inside one.
    for (char& c : n)
      if (c == ';') c = '_';
    if (t.kind == TypeKind::KStack) n += "_[k]";
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace scry::fmt
