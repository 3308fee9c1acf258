#include "src/types/dwarf.h"

#include <bpf/btf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "src/types/btf.h"

namespace scry {

namespace {

std::vector<std::string> g_binaries;

// An open file's DWARF (closed with it).
class DwarfFile {
 public:
  explicit DwarfFile(const std::string& path) {
    fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) dw_ = dwarf_begin(fd_, DWARF_C_READ);
  }
  ~DwarfFile() {
    if (dw_) dwarf_end(dw_);
    if (fd_ >= 0) close(fd_);
  }
  DwarfFile(const DwarfFile&) = delete;
  DwarfFile& operator=(const DwarfFile&) = delete;
  Dwarf* get() const { return dw_; }

  // Calls fn on every DIE below the compile units' top level (depth 1) until it returns true.
  bool each_top_die(const std::function<bool(Dwarf_Die&)>& fn) const {
    if (!dw_) return false;
    Dwarf_Off off = 0, next = 0;
    size_t header = 0;
    while (dwarf_nextcu(dw_, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die cu, child;
      if (dwarf_offdie(dw_, off + header, &cu) && dwarf_child(&cu, &child) == 0) {
        do {
          if (fn(child)) return true;
        } while (dwarf_siblingof(&child, &child) == 0);
      }
      off = next;
    }
    return false;
  }

 private:
  int fd_ = -1;
  Dwarf* dw_ = nullptr;
};

std::string die_name(Dwarf_Die* d) {
  const char* n = dwarf_diename(d);
  return n ? n : "";
}

// The DIE's DW_AT_type, false if it has none (void).
bool type_of(Dwarf_Die* d, Dwarf_Die& out) {
  Dwarf_Attribute a;
  return dwarf_attr_integrate(d, DW_AT_type, &a) && dwarf_formref_die(&a, &out);
}

uint64_t udata(Dwarf_Die* d, unsigned attr, uint64_t otherwise = 0) {
  Dwarf_Attribute a;
  Dwarf_Word v = 0;
  return dwarf_attr_integrate(d, attr, &a) && dwarf_formudata(&a, &v) == 0 ? v : otherwise;
}

bool is_declaration(Dwarf_Die* d) {
  Dwarf_Attribute a;
  bool flag = false;
  return dwarf_attr_integrate(d, DW_AT_declaration, &a) && dwarf_formflag(&a, &flag) == 0 && flag;
}

// The C spelling of a type, as bpftrace lists arguments: "int", "char*", "struct Foo*".
std::string c_name(Dwarf_Die* d, int depth = 0) {
  if (depth > 16) return "?";
  Dwarf_Die t;
  switch (dwarf_tag(d)) {
    case DW_TAG_pointer_type: return (type_of(d, t) ? c_name(&t, depth + 1) : "void") + "*";
    case DW_TAG_const_type: return "const " + (type_of(d, t) ? c_name(&t, depth + 1) : "void");
    case DW_TAG_volatile_type: return "volatile " + (type_of(d, t) ? c_name(&t, depth + 1) : "void");
    case DW_TAG_restrict_type: return type_of(d, t) ? c_name(&t, depth + 1) : "void";
    case DW_TAG_structure_type: return "struct " + die_name(d);
    case DW_TAG_union_type: return "union " + die_name(d);
    case DW_TAG_enumeration_type: return "enum " + die_name(d);
    case DW_TAG_array_type: return (type_of(d, t) ? c_name(&t, depth + 1) : "void") + "[]";
    case DW_TAG_subroutine_type: return "void (*)()";
    default: return die_name(d);
  }
}

// Converts DWARF types into BTF types in a writable BTF, once per DIE.
class Converter {
 public:
  explicit Converter(KernelBtf& kbtf) : kbtf_(kbtf), out_(kbtf.writable()) {}

  // The BTF id of a type DIE (0: void, or a type BTF cannot say).
  int32_t convert(Dwarf_Die* d, int depth = 0) {
    if (depth > 32) return 0;
    Dwarf_Off off = dwarf_dieoffset(d);
    if (auto it = done_.find(off); it != done_.end()) return it->second;
    int32_t id = make(d, depth);
    done_[off] = id;
    return id;
  }

 private:
  int32_t target(Dwarf_Die* d, int depth) {
    Dwarf_Die t;
    return type_of(d, t) ? convert(&t, depth + 1) : 0;
  }

  int32_t make(Dwarf_Die* d, int depth) {
    switch (dwarf_tag(d)) {
      case DW_TAG_base_type: {
        uint64_t enc = udata(d, DW_AT_encoding), size = udata(d, DW_AT_byte_size);
        if (enc == DW_ATE_float) return std::max(0, btf__add_float(out_, die_name(d).c_str(), size));
        int btf_enc = enc == DW_ATE_boolean                           ? BTF_INT_BOOL
                      : enc == DW_ATE_signed || enc == DW_ATE_signed_char ? BTF_INT_SIGNED
                                                                          : 0;
        if (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char) btf_enc |= BTF_INT_CHAR;
        return std::max(0, btf__add_int(out_, die_name(d).c_str(), size, btf_enc & (BTF_INT_BOOL | BTF_INT_SIGNED | BTF_INT_CHAR)));
      }
      case DW_TAG_pointer_type: {
        // A pointer to a struct being converted (a list's `next`) points to its forward
        // declaration; the struct's definition resolves it by name.
        Dwarf_Die t;
        if (type_of(d, t) && in_progress_.count(dwarf_dieoffset(&t)))
          return std::max(0, btf__add_ptr(out_, forward(&t)));
        return std::max(0, btf__add_ptr(out_, target(d, depth)));
      }
      case DW_TAG_const_type:
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type: return target(d, depth);  // scry reads through them
      case DW_TAG_typedef: {
        int32_t to = target(d, depth);
        return std::max(0, btf__add_typedef(out_, die_name(d).c_str(), to));
      }
      case DW_TAG_structure_type:
      case DW_TAG_union_type: return record(d, depth);
      case DW_TAG_enumeration_type: {
        int32_t id = btf__add_enum(out_, die_name(d).c_str(), uint32_t(udata(d, DW_AT_byte_size, 4)));
        Dwarf_Die e;
        if (id > 0 && dwarf_child(d, &e) == 0) do {
            Dwarf_Attribute a;
            Dwarf_Sword v = 0;
            if (dwarf_tag(&e) == DW_TAG_enumerator && dwarf_attr(&e, DW_AT_const_value, &a) && dwarf_formsdata(&a, &v) == 0)
              btf__add_enum_value(out_, die_name(&e).c_str(), int64_t(v));
          } while (dwarf_siblingof(&e, &e) == 0);
        return std::max(0, id);
      }
      case DW_TAG_array_type: {
        int32_t elem = target(d, depth);
        Dwarf_Die sub;
        uint64_t count = 0;
        if (dwarf_child(d, &sub) == 0 && dwarf_tag(&sub) == DW_TAG_subrange_type)
          count = udata(&sub, DW_AT_count, udata(&sub, DW_AT_upper_bound, uint64_t(-1)) + 1);
        if (elem <= 0) return 0;
        return std::max(0, btf__add_array(out_, index_type(), elem, uint32_t(count)));
      }
      default: return 0;  // function types and the rest: void
    }
  }

  int32_t index_type() {
    if (!index_) index_ = btf__add_int(out_, "unsigned int", 4, 0);
    return index_;
  }

  int32_t forward(Dwarf_Die* rec) {
    bool is_union = dwarf_tag(rec) == DW_TAG_union_type;
    return std::max(0, btf__add_fwd(out_, die_name(rec).c_str(), is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT));
  }

  // A struct or union. One the script defined under the same name is that one (its own
  // definition wins, as in bpftrace); one the kernel has stays the kernel's for casts: the
  // program's is added without a name then, for its arguments alone.
  int32_t record(Dwarf_Die* d, int depth) {
    bool is_union = dwarf_tag(d) == DW_TAG_union_type;
    std::string name = die_name(d);
    std::string key = (is_union ? "union " : "struct ") + name;
    bool user = false;
    int32_t existing = name.empty() ? -1 : kbtf_.lookup(key, user);
    if (existing > 0 && user) return existing;
    if (existing > 0) name.clear();
    if (is_declaration(d)) return forward(d);
    struct Field {
      std::string name;
      int32_t type;
      uint32_t bit_offset, bit_size;
    };
    std::vector<Field> fields;
    in_progress_.insert(dwarf_dieoffset(d));
    Dwarf_Die m;
    if (dwarf_child(d, &m) == 0) do {
        if (dwarf_tag(&m) != DW_TAG_member) continue;
        uint64_t bits = udata(&m, DW_AT_bit_size);
        uint64_t offset = dwarf_hasattr(&m, DW_AT_data_bit_offset) ? udata(&m, DW_AT_data_bit_offset)
                                                                    : 8 * udata(&m, DW_AT_data_member_location);
        fields.push_back({die_name(&m), target(&m, depth), uint32_t(offset), uint32_t(bits)});
      } while (dwarf_siblingof(&m, &m) == 0);
    in_progress_.erase(dwarf_dieoffset(d));
    uint32_t size = uint32_t(udata(d, DW_AT_byte_size));
    int32_t id = is_union ? btf__add_union(out_, name.c_str(), size) : btf__add_struct(out_, name.c_str(), size);
    if (id <= 0) return 0;
    for (auto& f : fields) btf__add_field(out_, f.name.c_str(), f.type, f.bit_offset, f.bit_size);
    return id;
  }

  KernelBtf& kbtf_;
  struct btf* out_;
  int32_t index_ = 0;
  std::map<Dwarf_Off, int32_t> done_;
  std::set<Dwarf_Off> in_progress_;
};

// The definition of function `func` (not a declaration), false if there is none.
bool find_function(const DwarfFile& f, const std::string& func, Dwarf_Die& out) {
  return f.each_top_die([&](Dwarf_Die& d) {
    if (dwarf_tag(&d) != DW_TAG_subprogram || is_declaration(&d) || die_name(&d) != func) return false;
    out = d;
    return true;
  });
}

// Calls fn on each formal parameter of a function DIE.
void each_param(Dwarf_Die* fn_die, const std::function<void(Dwarf_Die&)>& fn) {
  Dwarf_Die p;
  if (dwarf_child(fn_die, &p) != 0) return;
  do {
    if (dwarf_tag(&p) == DW_TAG_formal_parameter) fn(p);
  } while (dwarf_siblingof(&p, &p) == 0);
}

}  // namespace

std::optional<std::vector<DwarfParam>> dwarf_params(const std::string& binary, const std::string& func,
                                                    KernelBtf& btf) {
  DwarfFile f(binary);
  Dwarf_Die fn_die;
  if (!f.get() || !find_function(f, func, fn_die)) return std::nullopt;
  Converter conv(btf);
  std::vector<std::pair<std::string, int32_t>> ids;
  std::vector<std::string> names;
  each_param(&fn_die, [&](Dwarf_Die& p) {
    Dwarf_Die t;
    bool typed = type_of(&p, t);
    ids.emplace_back(die_name(&p), typed ? conv.convert(&t) : 0);
    names.push_back(typed ? c_name(&t) : "void");
  });
  btf.changed();
  std::vector<DwarfParam> out;
  for (size_t i = 0; i < ids.size(); i++)
    out.push_back({ids[i].first, names[i], ids[i].second > 0 ? btf.type_of(ids[i].second) : Type::none()});
  return out;
}

std::vector<std::string> dwarf_param_lines(const std::string& binary, const std::string& func) {
  DwarfFile f(binary);
  Dwarf_Die fn_die;
  std::vector<std::string> out;
  if (!f.get() || !find_function(f, func, fn_die)) return out;
  each_param(&fn_die, [&](Dwarf_Die& p) {
    Dwarf_Die t;
    out.push_back((type_of(&p, t) ? c_name(&t) : std::string("void")) + " " + die_name(&p));
  });
  return out;
}

void note_dwarf_binary(const std::string& binary) {
  if (std::find(g_binaries.begin(), g_binaries.end(), binary) == g_binaries.end()) g_binaries.push_back(binary);
}

bool import_dwarf_type(const std::string& key, KernelBtf& btf) {
  int tag = key.rfind("struct ", 0) == 0 ? DW_TAG_structure_type
            : key.rfind("union ", 0) == 0 ? DW_TAG_union_type
            : key.rfind("enum ", 0) == 0  ? DW_TAG_enumeration_type
                                          : DW_TAG_typedef;
  std::string name = tag == DW_TAG_typedef ? key : key.substr(key.find(' ') + 1);
  for (auto& binary : g_binaries) {
    DwarfFile f(binary);
    Dwarf_Die found;
    bool have = f.each_top_die([&](Dwarf_Die& d) {
      if (dwarf_tag(&d) != tag || is_declaration(&d) || die_name(&d) != name) return false;
      found = d;
      return true;
    });
    if (!have) continue;
    Converter conv(btf);
    bool ok = conv.convert(&found) > 0;
    btf.changed();
    if (ok) return true;
  }
  return false;
}

}  // namespace scry
