// Values typed by the kernel's BTF: fields, casts, dereferences, indexing, sizeof/offsetof;
// type names; named constants.
#include <cstdlib>
#include <cstring>

#include "src/probes/provider.h"
#include "src/sema/sema.h"
#include "src/types/btf.h"

namespace scry {

namespace {

// bpftrace's own spellings of integer types, which BTF does not know.
bool builtin_int_type(const std::string& name, Type& out) {
  static const struct { const char* name; uint32_t size; bool is_signed; } ints[] = {
      {"int8", 1, true}, {"int16", 2, true}, {"int32", 4, true}, {"int64", 8, true},
      {"uint8", 1, false}, {"uint16", 2, false}, {"uint32", 4, false}, {"uint64", 8, false},
  };
  for (auto& i : ints)
    if (name == i.name) {
      out = Type::integer(i.size, i.is_signed);
      return true;
    }
  return false;
}

}  // namespace

// A constant a script may use by name: an enumerator from BTF, or one of the #define
// constants of the headers bpftrace tools include (BTF does not carry macros).
bool named_constant(const std::string& name, int64_t& out) {
  if (KernelBtf* btf = KernelBtf::get())
    if (auto v = btf->enum_value(name)) {
      out = *v;
      return true;
    }
  static const struct { const char* name; int64_t value; } macros[] = {
      // linux/socket.h
      {"AF_UNSPEC", 0}, {"AF_UNIX", 1}, {"AF_LOCAL", 1}, {"AF_INET", 2}, {"AF_INET6", 10},
      {"AF_NETLINK", 16}, {"AF_PACKET", 17}, {"AF_VSOCK", 40},
      // linux/sched.h task states
      {"TASK_RUNNING", 0}, {"TASK_INTERRUPTIBLE", 1}, {"TASK_UNINTERRUPTIBLE", 2},
      {"__TASK_STOPPED", 4}, {"__TASK_TRACED", 8}, {"EXIT_DEAD", 16}, {"EXIT_ZOMBIE", 32},
      {"TASK_PARKED", 64}, {"TASK_DEAD", 128}, {"TASK_WAKEKILL", 256}, {"TASK_WAKING", 512},
      {"TASK_NOLOAD", 1024}, {"TASK_NEW", 2048}, {"TASK_KILLABLE", 258}, {"TASK_IDLE", 1026},
      // fcntl.h
      {"O_RDONLY", 0}, {"O_WRONLY", 1}, {"O_RDWR", 2}, {"O_CREAT", 64}, {"O_EXCL", 128},
      {"O_TRUNC", 512}, {"O_APPEND", 1024}, {"O_NONBLOCK", 2048}, {"O_DIRECTORY", 65536},
      {"O_CLOEXEC", 524288},
  };
  for (auto& m : macros)
    if (name == m.name) {
      out = m.value;
      return true;
    }
  return false;
}

// A call or sizeof/offsetof whose value is known now becomes that (unsigned) constant.
Type Sema::fold_unsigned(Expr& e, uint64_t value) {
  e.kind = ExprKind::Int;
  e.op = "unsigned";
  e.ival = int64_t(value);
  e.args.clear();
  return Type::integer(8, false);
}

Type Sema::parse_type_name(const std::string& name, const Loc& where) {
  std::string base = name;
  int stars = 0;
  while (!base.empty() && (base.back() == '*' || base.back() == ' ')) {
    if (base.back() == '*') stars++;
    base.pop_back();
  }
  Type t;
  if (!builtin_int_type(base, t)) {
    KernelBtf* btf = KernelBtf::get();
    if (btf) t = btf->parse_type(base);
    if (t.kind == TypeKind::None && base != "void") {
      error(DiagKind::UnknownType, where,
            "unknown type '" + base + "'" + (btf ? "" : " (this kernel has no BTF at /sys/kernel/btf/vmlinux)"));
      return Type::none();
    }
  }
  for (int i = 0; i < stars; i++) t = Type::pointer(t);
  return t;
}

bool Sema::record_member(const Type& record, const std::string& name, const Loc& where, Expr* field,
                         Type& out) {
  KernelBtf* btf = KernelBtf::get();
  auto m = btf ? btf->member(record, name) : std::nullopt;
  if (!m) {
    std::string names;
    if (btf)
      for (auto& n : btf->member_names(record)) names += (names.empty() ? "" : ", ") + n;
    error(DiagKind::UnknownField, where, record.name() + " has no field '" + name + "'",
          names.empty() ? "" : "its fields are: " + names);
    return false;
  }
  if (m->type.kind == TypeKind::None) {
    error(DiagKind::UnknownField, where, "field '" + name + "' of " + record.name() + " has a type scry cannot read");
    return false;
  }
  if (field) {
    field->field_offset = m->offset;
    field->field_shift = m->bit_shift;
    field->field_bits = m->bitfield_bits;
  }
  out = m->type;
  return true;
}

Type Sema::check_field(Expr& e) {
  Expr& base = *e.args[0];
  Loc name_loc = e.loc;
  name_loc.col = name_loc.end_col - int(e.str.size()) + 1;
  if (base.kind == ExprKind::Builtin && base.str == "args") {
    if (in_callback_) {
      error(DiagKind::NotSupportedHere, base.loc,
            "args reads the probe's context, which the body of a for loop over a map cannot see",
            "copy it into a map before the loop");
      return e.type = Type::none();
    }
    const Provider& p = provider_for(cur_->spec.kind);
    if (!p.args_type) {
      error(DiagKind::ArgsNotAvailable, base.loc, "args is not available in " + cur_->spec.name + " probes");
      return e.type = Type::none();
    }
    return e.type = p.args_type(*this, e);
  }
  Type bt = check_expr(base);
  if (bt.kind == TypeKind::None) return e.type = bt;
  if (bt.kind == TypeKind::Tuple) {
    int idx = isdigit((unsigned char)e.str[0]) ? atoi(e.str.c_str()) : -1;
    if (idx < 0 || idx >= int(bt.elems.size())) {
      error(DiagKind::UnknownField, name_loc,
            "a tuple of " + std::to_string(bt.elems.size()) + " elements has no element '" + e.str + "'");
      return e.type = Type::none();
    }
    e.field_offset = bt.offsets[size_t(idx)];
    return e.type = bt.elems[size_t(idx)];
  }
  // `.` follows pointers as in newer bpftrace; `->` works on records by value too.
  Type rec = bt.is_ptr() && bt.pointee ? *bt.pointee : bt;
  rec.user = bt.user;
  if (rec.kind != TypeKind::Record) {
    error(DiagKind::BadOperand, e.loc,
          "cannot read field '" + e.str + "' of a value of type " + bt.name() +
              (bt.is_int() ? "; cast it to a struct pointer first: ((struct NAME *)value)->" + e.str : ""));
    return e.type = Type::none();
  }
  Type t;
  if (!record_member(rec, e.str, name_loc, &e, t)) return e.type = Type::none();
  // Members of an object in user memory are in user memory; pointers there point there too.
  if (bt.user && (t.is_ptr() || t.kind == TypeKind::Record || t.kind == TypeKind::Array)) t.user = true;
  return e.type = t;
}

// Whether `e` is a value held by the program (a variable, a map value, a tuple element, a
// function's result), as opposed to one read from kernel or user memory, which has an address.
static bool held_value(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Var: case ExprKind::Map: case ExprKind::Call: case ExprKind::Tuple: case ExprKind::Ternary:
      return true;
    case ExprKind::Field: return e.args[0]->type.kind == TypeKind::Tuple || held_value(*e.args[0]);
    default: return false;
  }
}

Type Sema::check_cast(Expr& e) {
  Type from = check_expr(*e.args[0]);
  Type to = parse_type_name(e.str, e.loc);
  if (from.kind == TypeKind::None || to.kind == TypeKind::None) return e.type = Type::none();
  bool scalar_from = from.is_int() || from.is_ptr() || from.kind == TypeKind::Array;
  if (to.kind == TypeKind::Record) {
    error(DiagKind::BadCast, e.loc, "cannot cast to " + to.name() + " by value; cast to a pointer: (" + e.str + " *)");
    return e.type = Type::none();
  }
  if (!scalar_from || (!to.is_int() && !to.is_ptr())) {
    error(DiagKind::BadCast, e.loc, "cannot cast a value of type " + from.name() + " to " + to.name());
    return e.type = Type::none();
  }
  if (from.kind == TypeKind::Array && held_value(*e.args[0])) {
    // An array in memory casts to its address; a copy has none the script could use.
    error(DiagKind::BadCast, e.loc, "cannot cast " + from.name() + " to " + to.name() + ": it is a copy held by the program",
          "read its elements by index instead");
    return e.type = Type::none();
  }
  if (to.is_ptr() && (from.is_ptr() || from.kind == TypeKind::Array)) to.user = from.user;
  return e.type = to;
}

Type Sema::check_deref_index(Expr& e) {
  Type bt = check_expr(*e.args[0]);
  if (e.kind == ExprKind::Index) {
    Type it = check_expr(*e.args[1]);
    if (it.kind != TypeKind::None && !it.is_int()) {
      error(DiagKind::TypeMismatch, e.args[1]->loc, "an index must be an integer, not " + it.name());
      return e.type = Type::none();
    }
  }
  if (bt.kind == TypeKind::None) return e.type = bt;
  int64_t index;
  if (e.kind == ExprKind::Index && bt.kind == TypeKind::Array && e.args[1]->kind == ExprKind::Int &&
      literal_int(*e.args[1], index) && (index < 0 || uint64_t(index) >= bt.count)) {
    error(DiagKind::LimitExceeded, e.args[1]->loc,
          "the index " + std::to_string(index) + " is out of bounds for array of size " + std::to_string(bt.count));
    return e.type = Type::none();
  }
  Type elem;
  if ((bt.is_ptr() || bt.kind == TypeKind::Array) && bt.pointee) elem = *bt.pointee;
  else if (bt.is_str() && e.kind == ExprKind::Index) elem = Type::integer(1, true);
  else if (bt.is_int() && e.kind == ExprKind::Deref) elem = Type::integer(8, false);
  if (bt.user && (elem.is_ptr() || elem.kind == TypeKind::Record || elem.kind == TypeKind::Array)) elem.user = true;
  if (elem.kind == TypeKind::None || elem.size == 0) {
    error(DiagKind::BadOperand, e.loc,
          std::string(e.kind == ExprKind::Deref ? "cannot dereference" : "cannot index") + " a value of type " +
              bt.name(),
          elem.kind == TypeKind::Record ? elem.name() + " is only declared: its size and members are unknown" : "");
    return e.type = Type::none();
  }
  return e.type = elem;
}

Type Sema::check_sizeof_offsetof(Expr& e) {
  Type t;
  if (e.kind == ExprKind::Sizeof) {
    t = e.args.empty() ? parse_type_name(e.str, e.loc) : check_expr(*e.args[0]);
    if (t.kind == TypeKind::None) return e.type = t;
    return e.type = fold_unsigned(e, t.size);
  }
  Type rec = parse_type_name(e.str, e.loc);
  if (rec.kind == TypeKind::None) return e.type = rec;
  if (rec.kind != TypeKind::Record) {
    error(DiagKind::BadOperand, e.loc, "offsetof() needs a struct or union, not " + rec.name());
    return e.type = Type::none();
  }
  uint64_t off = 0;
  std::string path = e.op;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string name = path.substr(0, dot);
    path = dot == std::string::npos ? "" : path.substr(dot + 1);
    Type mt;
    Expr tmp(ExprKind::Field, e.loc);
    if (!record_member(rec, name, e.loc, &tmp, mt)) return e.type = Type::none();
    off += tmp.field_offset;
    rec = mt;
  }
  return e.type = fold_unsigned(e, off);
}

}  // namespace scry
