#include "src/types/btf.h"

#include "src/types/dwarf.h"

#include "src/types/kernel_info.h"

#include <bpf/btf.h>
#include <fnmatch.h>
#include <linux/btf.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace scry {

namespace {

std::string name_of(const struct btf* b, uint32_t off) {
  const char* s = btf__name_by_offset(b, off);
  return s ? s : "";
}

bool is_char_name(const std::string& n) {
  return n == "char" || n == "signed char" || n == "unsigned char";
}

// "int8".."int64", "uint8".."uint64" and the kernel's u8../s8../__u8../__s8.. spellings.
Type fixed_width_int(const std::string& w) {
  for (const char* p : {"int", "uint", "u", "s", "__u", "__s"}) {
    std::string pre = p, bits = w.substr(0, pre.size()) == pre ? w.substr(pre.size()) : "";
    if (bits == "8" || bits == "16" || bits == "32" || bits == "64")
      return Type::integer(uint32_t(std::stoi(bits) / 8), pre != "uint" && pre.back() != 'u');
  }
  return Type::none();
}

}  // namespace

KernelBtf* KernelBtf::get() { return kernel().btf(); }

KernelBtf::KernelBtf(struct btf* b) : btf_(b) {}

KernelBtf::~KernelBtf() {
  btf__free(btf_);
  btf__free(base_);
}

void KernelBtf::extend(struct btf* split) {
  if (!base_) base_ = btf_;
  else btf__free(btf_);
  btf_ = split;
  module_.clear();
  own_start_ = 0;
  indexed_ = false;
  types_.clear();
  funcs_.clear();
  enumerators_.clear();
}

bool KernelBtf::add_module(const std::string& name, const std::string& path, std::string& error) {
  if (module_ == name) return true;
  if (!module_.empty()) {
    error = "one script can probe the functions of one module by BTF (this one already probes " + module_ + "'s)";
    return false;
  }
  if (base_) {
    error = "scry cannot yet read a module's BTF in a script that defines its own C types";
    return false;
  }
  struct btf* m = btf__parse_split(path.c_str(), btf_);
  if (!m) {
    error = "module '" + name + "' has no BTF in /sys/kernel/btf (" + strerror(errno) +
            "): it is not loaded, or was built without CONFIG_DEBUG_INFO_BTF_MODULES";
    return false;
  }
  // The module's part of `m` stands where the script's own types would: it is kernel, not
  // script, to every lookup (own_start_), and the script's types follow it in the same split.
  extend(m);
  module_ = name;
  own_start_ = btf__type_cnt(m);
  return true;
}

bool KernelBtf::has_function(const char* path, struct btf* kernel, const std::string& pattern) {
  struct btf* b = path ? btf__parse_split(path, kernel) : kernel;
  if (!b) return false;
  bool found = false;
  for (uint32_t id = path ? btf__type_cnt(kernel) : 1; id < btf__type_cnt(b) && !found; id++) {
    const btf_type* t = btf__type_by_id(b, id);
    found = btf_is_func(t) && fnmatch(pattern.c_str(), name_of(b, t->name_off).c_str(), 0) == 0;
  }
  if (path) btf__free(b);
  return found;
}

std::vector<std::string> KernelBtf::module_functions() {
  std::vector<std::string> out;
  for (uint32_t id = base_ ? btf__type_cnt(base_) : 1; id < own_start_; id++) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (btf_is_func(t)) out.push_back(name_of(btf_, t->name_off));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint32_t KernelBtf::own_types_start() const { return own_start_ ? own_start_ : btf__type_cnt(base_); }

uint32_t KernelBtf::type_count() const { return btf__type_cnt(btf_); }

void KernelBtf::build_index() {
  if (indexed_) return;
  indexed_ = true;
  uint32_t n = btf__type_cnt(btf_);
  types_.reserve(n / 2);
  funcs_.reserve(n / 2);
  std::vector<std::pair<std::string, int32_t>> declared;  // forward declarations
  // The script's own types (the split part, after the kernel's) replace the kernel's of the
  // same name; among the kernel's, the first of a name is the one.
  uint32_t script_types = base_ ? own_types_start() : n;
  auto name_type = [&](std::string key, uint32_t id) {
    if (id >= script_types) types_[key] = int32_t(id);
    else types_.emplace(std::move(key), int32_t(id));
  };
  for (uint32_t id = 1; id < n; id++) {
    const btf_type* t = btf__type_by_id(btf_, id);
    uint16_t kind = btf_kind(t);
    bool is_enum = kind == BTF_KIND_ENUM, is_enum64 = kind == BTF_KIND_ENUM64;
    for (uint16_t i = 0; (is_enum || is_enum64) && i < btf_vlen(t); i++) {
      const struct btf_enum* e = btf_enum(t) + i;
      const struct btf_enum64* e64 = btf_enum64(t) + i;
      int64_t v = is_enum64 ? int64_t(btf_enum64_value(e64))
                  : btf_kflag(t) ? int64_t(e->val) : int64_t(uint32_t(e->val));
      enumerators_.emplace(name_of(btf_, is_enum64 ? e64->name_off : e->name_off), v);
    }
    std::string name = name_of(btf_, t->name_off);
    if (name.empty()) continue;
    if (kind == BTF_KIND_FUNC) funcs_.emplace(name, int32_t(id));
    else if (kind == BTF_KIND_STRUCT) name_type("struct " + name, id);
    else if (kind == BTF_KIND_UNION) name_type("union " + name, id);
    else if (is_enum || is_enum64) name_type("enum " + name, id);
    else if (kind == BTF_KIND_TYPEDEF) name_type(name, id);
    else if (kind == BTF_KIND_FWD) declared.emplace_back((btf_kflag(t) ? "union " : "struct ") + name, int32_t(id));
  }
  // A declaration names a type only where there is no definition of it.
  for (auto& [key, id] : declared) types_.emplace(key, id);
}

int32_t KernelBtf::find(const std::string& key) {
  build_index();
  auto it = types_.find(key);
  if (it != types_.end()) return it->second;
  // A user program's type a uprobe's script names (struct Foo of its binary): from DWARF.
  static bool importing = false;
  if (importing || key.empty()) return -1;
  importing = true;
  bool added = import_dwarf_type(key, *this);
  importing = false;
  if (!added) return -1;
  build_index();
  it = types_.find(key);
  return it == types_.end() ? -1 : it->second;
}

struct btf* KernelBtf::writable() {
  if (!base_) extend(btf__new_empty_split(btf_));
  return btf_;
}

void KernelBtf::changed() {
  indexed_ = false;
  types_.clear();
  funcs_.clear();
  enumerators_.clear();
}

int32_t KernelBtf::lookup(const std::string& key, bool& user_defined) {
  build_index();
  auto it = types_.find(key);
  if (it == types_.end()) return -1;
  user_defined = base_ && uint32_t(it->second) >= own_types_start();
  return it->second;
}

int32_t KernelBtf::skip(int32_t id, bool typedefs) {
  for (int guard = 0; id > 0 && guard < 64; guard++) {
    const btf_type* t = btf__type_by_id(btf_, id);
    if (!t) return -1;
    if (!btf_is_mod(t) && !(typedefs && btf_is_typedef(t))) return id;
    id = int32_t(t->type);
  }
  return id;
}

Type KernelBtf::type_of(int32_t id) {
  id = skip(id);
  if (id <= 0) return Type::none();
  const btf_type* t = btf__type_by_id(btf_, id);
  if (!t) return Type::none();
  auto int_size_ok = [](uint32_t s) { return s == 1 || s == 2 || s == 4 || s == 8; };
  switch (btf_kind(t)) {
    case BTF_KIND_INT: {
      uint8_t enc = btf_int_encoding(t);
      if (enc & BTF_INT_BOOL) return Type::integer(1, false);
      if (!int_size_ok(t->size)) return Type::none();
      return Type::integer(t->size, (enc & BTF_INT_SIGNED) != 0);
    }
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      if (!int_size_ok(t->size)) return Type::none();
      return Type::integer(t->size, btf_kflag(t));
    case BTF_KIND_PTR: {
      int32_t to = skip(int32_t(t->type));
      const btf_type* pt = to > 0 ? btf__type_by_id(btf_, to) : nullptr;
      if (!pt || btf_is_func_proto(pt)) return Type::pointer(Type::none());
      return Type::pointer(type_of(to));
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      std::string n = name_of(btf_, t->name_off);
      return Type::record((btf_is_union(t) ? "union " : "struct ") + (n.empty() ? "(anon)" : n),
                          id, t->size);
    }
    case BTF_KIND_FWD: {
      std::string key = (btf_kflag(t) ? "union " : "struct ") + name_of(btf_, t->name_off);
      int32_t def = find(key);
      if (def > 0 && def != id) return type_of(def);  // the index holds the declaration itself when there is no definition
      return Type::record(key, id, 0);
    }
    case BTF_KIND_ARRAY: {
      const struct btf_array* a = btf_array(t);
      int32_t elem = skip(int32_t(a->type), false);
      const btf_type* et = elem > 0 ? btf__type_by_id(btf_, elem) : nullptr;
      if (et && btf_is_int(et) && et->size == 1 && is_char_name(name_of(btf_, et->name_off)))
        return Type::string(a->nelems);
      return Type::array(type_of(int32_t(a->type)), a->nelems);
    }
    default: return Type::none();
  }
}

// Splits a C type spelling into words (qualifiers dropped) and counts '*'s.
static bool tokenize(const std::string& s, std::vector<std::string>& words, int& stars) {
  std::string cur;
  for (char c : s + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      cur += c;
      continue;
    }
    if (!cur.empty() && cur != "const" && cur != "volatile" && cur != "restrict" &&
        cur != "__restrict")
      words.push_back(cur);
    cur.clear();
    if (c == '*') stars++;
    else if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Integer types spelled with C keywords ("unsigned long long", "short int", "bool").
static Type c_integer(const std::vector<std::string>& words) {
  int longs = 0, shorts = 0, chars = 0, ints = 0, sign = 0, unsign = 0, bools = 0;
  for (auto& w : words) {
    if (w == "long") longs++;
    else if (w == "short") shorts++;
    else if (w == "char") chars++;
    else if (w == "int") ints++;
    else if (w == "signed") sign++;
    else if (w == "unsigned") unsign++;
    else if (w == "bool" || w == "_Bool") bools++;
    else return Type::none();
  }
  if (bools) return words.size() == 1 ? Type::integer(1, false) : Type::none();
  if (sign + unsign > 1 || longs > 2 || shorts + chars > 1 || ints > 1 ||
      (chars && (longs || ints)) || (shorts && longs))
    return Type::none();
  return Type::integer(chars ? 1 : shorts ? 2 : longs ? 8 : 4, unsign == 0);
}

Type KernelBtf::parse_type(const std::string& c_type) {
  std::string s = c_type.substr(0, c_type.find_last_not_of(" \t\n") + 1);
  std::vector<std::string> words;
  int stars = 0;
  size_t open = s.rfind('[');
  if (!s.empty() && s.back() == ']' && open != std::string::npos) {  // "T[N]": array of T
    std::string num = s.substr(open + 1, s.size() - open - 2), base = s.substr(0, open);
    Type elem = parse_type(base);
    if (elem.kind == TypeKind::None || num.size() > 9 || !tokenize(base, words, stars) ||
        num.find_first_not_of("0123456789") != std::string::npos)
      return Type::none();
    std::string joined;
    for (auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    uint32_t n = num.empty() ? 0 : uint32_t(std::stoul(num));  // "char[]": 0
    return stars == 0 && is_char_name(joined) ? Type::string(n) : Type::array(elem, n);
  }
  if (!tokenize(s, words, stars) || words.empty()) return Type::none();
  Type base;
  if (words[0] == "struct" || words[0] == "union" || words[0] == "enum") {
    if (words.size() != 2) return Type::none();
    int32_t id = find(words[0] + " " + words[1]);
    if (id > 0) base = type_of(id);
  } else if (words.size() == 1 && words[0] == "void") {
    if (stars == 0) return Type::none();
    base = Type::pointer(Type::none());
    stars--;
  } else {
    base = c_integer(words);
    if (base.kind == TypeKind::None && words.size() == 1) {
      base = fixed_width_int(words[0]);  // int8..uint64 (and u8/s8/__u8.. without BTF)
      if (base.kind == TypeKind::None) {
        int32_t id = find(words[0]);
        if (id > 0) base = type_of(id);
      }
    }
  }
  if (base.kind == TypeKind::None) return Type::none();
  for (int i = 0; i < stars; i++) base = Type::pointer(base);
  return base;
}

int32_t KernelBtf::record_id(const Type& record) {
  if (record.kind != TypeKind::Record) return -1;
  if (record.btf_id > 0) {
    int32_t id = skip(record.btf_id);
    const btf_type* t = id > 0 ? btf__type_by_id(btf_, id) : nullptr;
    if (t && btf_is_composite(t)) return id;
  }
  int32_t id = skip(find(record.record_name));
  const btf_type* t = id > 0 ? btf__type_by_id(btf_, id) : nullptr;
  return t && btf_is_composite(t) ? id : -1;
}

bool KernelBtf::walk(int32_t rec_id, uint32_t base_bits, const MemberFn& fn) {
  const btf_type* t = btf__type_by_id(btf_, rec_id);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    uint32_t bits = base_bits + btf_member_bit_offset(t, i);
    const btf_member* m = btf_members(t) + i;
    int32_t sub = skip(int32_t(m->type));
    const btf_type* st = sub > 0 ? btf__type_by_id(btf_, sub) : nullptr;
    if (!name_of(btf_, m->name_off).empty() ? fn(t, i, bits)
                                            : st && btf_is_composite(st) && walk(sub, bits, fn))
      return true;
  }
  return false;
}

// Places a bitfield of `width` bits at record bit offset `bits` (see Member in btf.h).
static void place_bitfield(KernelBtf::Member& out, uint32_t bits, uint32_t width) {
  if (!out.type.is_int()) {
    out.type = Type::none();
    return;
  }
  for (uint32_t load = out.type.size; load <= 8; load *= 2) {
    for (uint32_t start : {bits / 8 / load * load, bits / 8}) {  // aligned unit, else unaligned
      if (bits - start * 8 + width > load * 8) continue;
      out.offset = start;
      out.bit_shift = bits - start * 8;
      if (load != out.type.size) out.type = Type::integer(load, out.type.is_signed);
      return;
    }
  }
  out.type = Type::none();
}

KernelBtf::Member KernelBtf::make_member(const btf_type* t, uint16_t i, uint32_t bits) {
  const btf_member* m = btf_members(t) + i;
  Member out;
  out.name = name_of(btf_, m->name_off);
  out.type = type_of(int32_t(m->type));
  uint32_t width = btf_member_bitfield_size(t, i);
  const btf_type* it = btf__type_by_id(btf_, skip(int32_t(m->type)));
  if (width == 0 && !btf_kflag(t) && it && btf_is_int(it) &&
      (btf_int_bits(it) != it->size * 8 || btf_int_offset(it))) {
    width = btf_int_bits(it);  // legacy encoding: the bit width is in the int type itself
    bits += btf_int_offset(it);
  }
  out.bitfield_bits = width;
  out.offset = bits / 8;
  if (width) place_bitfield(out, bits, width);
  // bpftrace reads every bitfield as unsigned (`short b:8` holding 0xd9 is 217): so does scry.
  if (width && out.type.is_int()) out.type.is_signed = false;
  return out;
}

std::optional<KernelBtf::Member> KernelBtf::member(const Type& record, const std::string& name) {
  int32_t id = record_id(record);
  Member out;
  if (id <= 0 || name.empty()) return std::nullopt;
  bool found = walk(id, 0, [&](const btf_type* t, uint16_t i, uint32_t bits) {
    if (name_of(btf_, btf_members(t)[i].name_off) != name) return false;
    out = make_member(t, i, bits);
    return true;
  });
  if (!found) return std::nullopt;
  return out;
}

std::vector<KernelBtf::Member> KernelBtf::members(const Type& record) {
  std::vector<Member> out;
  int32_t id = record_id(record);
  if (id > 0)
    walk(id, 0, [&](const btf_type* t, uint16_t i, uint32_t bits) {
      out.push_back(make_member(t, i, bits));
      return false;
    });
  return out;
}

Type KernelBtf::layout(const Type& t, int depth) {
  if (t.kind == TypeKind::Array && t.pointee) {
    Type elem = layout(*t.pointee, depth);
    Type out = Type::array(elem, t.count);
    out.user = t.user;
    return out;
  }
  if (t.kind != TypeKind::Record || depth >= 8) return t;
  Type out = t;
  out.elems.clear();
  out.offsets.clear();
  out.fields.clear();
  for (auto& m : members(t)) {
    if (m.type.kind == TypeKind::None) continue;
    // A bitfield's load may have been widened past the end of a packed record: narrow it to
    // the smallest one that holds the field and stays inside (the copy has only t.size bytes).
    if (m.bitfield_bits && m.offset + m.type.size > t.size) {
      uint32_t need = (m.bit_shift + m.bitfield_bits + 7) / 8, size = 1;
      while (size < need) size *= 2;
      if (m.offset + size > t.size) continue;
      m.type = Type::integer(size, m.type.is_signed);
    }
    out.elems.push_back(layout(m.type, depth + 1));
    out.offsets.push_back(m.offset);
    out.fields.push_back({m.name, uint8_t(m.bit_shift), uint8_t(m.bitfield_bits)});
  }
  return out;
}

std::vector<std::string> KernelBtf::member_names(const Type& record) {
  std::vector<std::string> out;
  int32_t id = record_id(record);
  if (id > 0)
    walk(id, 0, [&](const btf_type* t, uint16_t i, uint32_t) {
      out.push_back(name_of(btf_, btf_members(t)[i].name_off));
      return false;
    });
  return out;
}

std::optional<int64_t> KernelBtf::enum_value(const std::string& name) {
  build_index();
  auto it = enumerators_.find(name);
  if (it == enumerators_.end()) return std::nullopt;
  return it->second;
}

std::optional<KernelBtf::Func> KernelBtf::function(const std::string& name) {
  build_index();
  auto it = funcs_.find(name);
  if (it == funcs_.end()) return std::nullopt;
  const btf_type* fn = btf__type_by_id(btf_, it->second);
  const btf_type* proto = fn ? btf__type_by_id(btf_, fn->type) : nullptr;
  if (!proto || !btf_is_func_proto(proto)) return std::nullopt;
  Func f;
  const btf_param* p = btf_params(proto);
  uint16_t n = btf_vlen(proto);
  for (uint16_t i = 0; i < n; i++) {
    if (i == n - 1 && p[i].type == 0) break;  // variadic "..."
    f.params.emplace_back(name_of(btf_, p[i].name_off), type_of(int32_t(p[i].type)));
  }
  f.ret = type_of(int32_t(proto->type));
  return f;
}

std::optional<KernelBtf::Func> KernelBtf::raw_tracepoint(const std::string& name) {
  // The typedef btf_trace_NAME has the types but no names; the kernel's __bpf_trace_NAME
  // function has both. Either way the first parameter is `void *__data`.
  if (auto f = function("__bpf_trace_" + name)) {
    if (!f->params.empty()) f->params.erase(f->params.begin());
    f->ret = Type::none();
    return f;
  }
  int32_t id = find("btf_trace_" + name);
  if (id <= 0) return std::nullopt;
  const btf_type* t = btf__type_by_id(btf_, skip(id));
  if (!t || !btf_is_ptr(t)) return std::nullopt;
  const btf_type* proto = btf__type_by_id(btf_, t->type);
  if (!proto || !btf_is_func_proto(proto)) return std::nullopt;
  Func f;
  const btf_param* p = btf_params(proto);
  for (uint16_t i = 1; i < btf_vlen(proto); i++)
    f.params.emplace_back(name_of(btf_, p[i].name_off), type_of(int32_t(p[i].type)));
  return f;
}

}  // namespace scry
