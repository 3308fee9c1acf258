// Builtins, values typed by the kernel's BTF (fields, casts, dereferences, indexing), and
// the functions that produce a value.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "runtime/printf.h"
#include "src/sema/sema.h"
#include "runtime/symbols/elf_symbols.h"
#include "src/types/btf.h"

namespace scry {

namespace {

bool is_probe(const ProbeSpec& s, std::initializer_list<ProbeKind> kinds) {
  for (auto k : kinds)
    if (s.kind == k) return true;
  return false;
}

// "arg3" -> 3, "sarg0" -> 0 with prefix "sarg"; -1 if the name is not prefix + digits.
int numbered(const std::string& name, const char* prefix) {
  size_t n = strlen(prefix);
  if (name.size() <= n || name.compare(0, n, prefix) != 0) return -1;
  for (size_t i = n; i < name.size(); i++)
    if (!isdigit((unsigned char)name[i])) return -1;
  return atoi(name.c_str() + n);
}

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
Type fold_unsigned(Expr& e, uint64_t value) {
  e.kind = ExprKind::Int;
  e.op = "unsigned";
  e.ival = int64_t(value);
  e.args.clear();
  return Type::integer(8, false);
}

}  // namespace

bool returns_value(FunctionId id) {
  switch (id) {
    case FunctionId::Ntop: case FunctionId::Ksym: case FunctionId::Usym: case FunctionId::Kaddr:
    case FunctionId::Uaddr: case FunctionId::Cgroupid: case FunctionId::Strncmp: case FunctionId::Bswap:
    case FunctionId::Strcontains: case FunctionId::Len: case FunctionId::HasKey: case FunctionId::Buf:
    case FunctionId::Macaddr: case FunctionId::Strftime: case FunctionId::KstackOf: case FunctionId::UstackOf:
    case FunctionId::Reg: case FunctionId::Pton: case FunctionId::CgroupPath:
      return true;
    default:
      return false;
  }
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

Type Sema::check_builtin(Expr& e) {
  const ProbeSpec& spec = cur_->spec;
  int n = numbered(e.str, "arg");
  int sn = numbered(e.str, "sarg");
  if (in_callback_ && (n >= 0 || sn >= 0 || e.str == "retval" || e.str == "ctx" || e.str == "kstack" ||
                       e.str == "ustack" || e.str == "args")) {
    error(DiagKind::NotSupportedHere, e.loc,
          e.str + " reads the probe's context, which the body of a for loop over a map cannot see",
          "copy it into a map before the loop");
    return e.type = Type::none();
  }
  if (n >= 0 && spec.kind == ProbeKind::Usdt) {
    if (size_t(n) >= cur_->usdt_args.size()) {
      error(DiagKind::ArgsNotAvailable, e.loc,
            spec.name + " has " + std::to_string(cur_->usdt_args.size()) + " argument" +
                (cur_->usdt_args.size() == 1 ? "" : "s") + ": arg0 to arg" + std::to_string(int(cur_->usdt_args.size()) - 1));
      return e.type = Type::none();
    }
    if (!cur_->usdt_error.empty()) {
      error(DiagKind::NotSupportedHere, e.loc, spec.name + ": " + cur_->usdt_error);
      return e.type = Type::none();
    }
    e.ival = n;
    e.op = "usdt";
    const UsdtArg& a = cur_->usdt_args[size_t(n)];
    return e.type = Type::integer(a.size, a.is_signed);
  }
  if (n >= 0 || sn >= 0) {
    bool entry = is_probe(spec, {ProbeKind::Kprobe, ProbeKind::Uprobe});
    if (!entry) {
      error(DiagKind::ArgsNotAvailable, e.loc,
            e.str + " is only available in kprobe and uprobe probes, not in " + spec.name);
      return e.type = Type::none();
    }
    if (n > 5) {
      // x86-64 passes six arguments in registers; the rest are on the stack (sargN).
      error(DiagKind::LimitExceeded, e.loc, e.str + ": only arg0 to arg5 are passed in registers; use sarg" +
                                                std::to_string(n - 6) + " for the stack");
      return e.type = Type::none();
    }
    e.ival = n >= 0 ? n : sn;
    e.op = n >= 0 ? "arg" : "sarg";
    return e.type = Type::integer(8, sn >= 0);
  }
  const BuiltinInfo* b = find_builtin(e.str);
  int64_t constant;
  if (!b && named_constant(e.str, constant)) {
    e.kind = ExprKind::Int;
    e.ival = constant;
    return e.type = Type::integer(8, true);
  }
  if (!b) {
    if (find_function(e.str))
      error(DiagKind::UnknownBuiltin, e.loc, e.str + " is a function: call it as " + e.str + "()");
    else
      error(DiagKind::UnknownBuiltin, e.loc, "unknown identifier '" + e.str + "'");
    return e.type = Type::none();
  }
  switch (b->id) {
    case BuiltinId::Comm: return e.type = Type::string(16);
    case BuiltinId::ProbeName: return e.type = Type::probe();
    case BuiltinId::Args:
      error(DiagKind::BadOperand, e.loc, "args can only be used to read a field: args->name");
      return e.type = Type::none();
    case BuiltinId::Retval:
      if (spec.kind == ProbeKind::Fexit) {
        e.slot = int(cur_->btf_args.size() - 1);
        return e.type = cur_->btf_args.back().second.kind == TypeKind::None ? Type::integer(8, false)
                                                                          : cur_->btf_args.back().second;
      }
      if (!is_probe(spec, {ProbeKind::Kretprobe, ProbeKind::Uretprobe})) {
        error(DiagKind::ArgsNotAvailable, e.loc,
              "retval is only available in kretprobe and uretprobe probes, not in " + spec.name);
        return e.type = Type::none();
      }
      return e.type = Type::integer(8, false);
    case BuiltinId::FuncName:
      if ((spec.func.empty() && spec.func_display.empty()) || spec.kind == ProbeKind::Usdt) {
        error(DiagKind::ArgsNotAvailable, e.loc, "func is only available in kprobe and uprobe probes");
        return e.type = Type::none();
      }
      return e.type = Type::special(TypeKind::Func);
    case BuiltinId::Curtask: {
      KernelBtf* btf = KernelBtf::get();
      Type task = btf ? btf->parse_type("struct task_struct") : Type::none();
      return e.type = task.kind == TypeKind::Record ? Type::pointer(task) : Type::integer(8, false);
    }
    case BuiltinId::UserName: return e.type = Type::special(TypeKind::Username);
    case BuiltinId::Ctx:
      if (spec.kind == ProbeKind::Iter) {
        // ctx->task, ctx->file, ctx->vma: typed by the kernel's struct bpf_iter__NAME.
        KernelBtf* btf = KernelBtf::get();
        Type t = btf ? btf->parse_type("struct bpf_iter__" + spec.func) : Type::none();
        if (t.kind == TypeKind::Record) return e.type = Type::pointer(t);
      }
      return e.type = Type::integer(8, false);
    case BuiltinId::Kstack: return e.type = Type::special(TypeKind::KStack);
    case BuiltinId::Ustack: return e.type = Type::special(TypeKind::UStack);
    case BuiltinId::Rand:
    case BuiltinId::Numaid: return e.type = Type::integer(4, false);
    default: return e.type = Type::integer(8, false);
  }
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
  if (base.kind == ExprKind::Builtin && base.str == "args" && cur_->has_btf_args) {
    // Raw tracepoints and fentry/fexit: the arguments from BTF, by position in the context.
    for (size_t i = 0; i < cur_->btf_args.size(); i++)
      if (cur_->btf_args[i].first == e.str) {
        e.slot = int(i);
        Type t = cur_->btf_args[i].second;
        if (t.kind == TypeKind::None) {
          error(DiagKind::UnknownField, name_loc, "argument '" + e.str + "' has a type scry cannot read");
          return e.type = Type::none();
        }
        return e.type = t;
      }
    std::string names;
    for (auto& [n, t] : cur_->btf_args)
      if (n[0] != '$') names += (names.empty() ? "" : ", ") + n;
    error(DiagKind::UnknownField, name_loc, cur_->spec.name + " has no argument '" + e.str + "'",
          "its arguments are: " + names);
    return e.type = Type::none();
  }
  if (base.kind == ExprKind::Builtin && base.str == "args") {
    if (!cur_->format) {
      error(DiagKind::ArgsNotAvailable, base.loc, "args is not available in " + cur_->spec.name + " probes");
      return e.type = Type::none();
    }
    const TracepointField* f = cur_->format->find(e.str);
    if (!f) {
      std::string names;
      for (auto& fld : cur_->format->fields) names += (names.empty() ? "" : ", ") + fld.name;
      error(DiagKind::UnknownField, name_loc, cur_->spec.name + " has no field '" + e.str + "'",
            "its fields are: " + names);
      return e.type = Type::none();
    }
    if (!f->supported) {
      error(DiagKind::UnknownField, e.loc,
            "field '" + e.str + "' has type " + f->c_type + ", which scry cannot read yet");
      return e.type = Type::none();
    }
    // Pointers to structs are typed from BTF, so args->skaddr->field works. A system call's
    // pointer arguments point into the calling process's memory.
    if (f->type.is_int() && f->c_type.find('*') != std::string::npos && KernelBtf::get()) {
      Type t = KernelBtf::get()->parse_type(f->c_type);
      if (t.is_ptr()) {
        t.user = cur_->spec.category == "syscalls";
        return e.type = t;
      }
    }
    return e.type = f->type;
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

// kstack(perf), ustack(3), kstack(raw, 10): the mode is a bare word, the frame count a literal.
Type Sema::check_stack_call(Expr& e, TypeKind kind) {
  StackMode mode = StackMode::Bpftrace;
  uint32_t frames = kMaxStackFrames;
  const char* name = kind == TypeKind::KStack ? "kstack" : "ustack";
  for (size_t i = 0; i < e.args.size(); i++) {
    Expr& a = *e.args[i];
    if (i == 0 && (a.kind == ExprKind::Builtin || a.kind == ExprKind::Var) && e.args.size() <= 2) {
      if (a.str == "bpftrace") mode = StackMode::Bpftrace;
      else if (a.str == "perf") mode = StackMode::Perf;
      else if (a.str == "raw") mode = StackMode::Raw;
      else {
        error(DiagKind::BadLiteralArg, a.loc, std::string(name) + "() mode must be bpftrace, perf or raw, not '" + a.str + "'");
        return e.type = Type::none();
      }
      continue;
    }
    int64_t n;
    if (!literal_int(a, n)) {
      error(DiagKind::BadLiteralArg, a.loc, std::string(name) + "() takes a mode (bpftrace, perf, raw) and a frame count literal");
      return e.type = Type::none();
    }
    // The kernel walks at most perf_event_max_stack (127) frames; the stack map's value is
    // that many addresses.
    if (n < 1 || n > kMaxStackFrames) {
      error(DiagKind::LimitExceeded, a.loc, std::string(name) + "() frame count must be from 1 to " +
                                                std::to_string(kMaxStackFrames) + ", not " + std::to_string(n));
      return e.type = Type::none();
    }
    frames = uint32_t(n);
  }
  return e.type = Type::stack(kind, mode, frames);
}

// reg("ip"): x86-64 struct pt_regs, which kprobe and uprobe programs get as their context and
// perf event programs (profile, software, hardware, watchpoint) as its first member.
static int pt_regs_offset(const std::string& name) {
  static const char* const kRegs[] = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
                                      "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"};
  for (size_t i = 0; i < sizeof kRegs / sizeof kRegs[0]; i++)
    if (name == kRegs[i]) return int(i * 8);
  return -1;
}

Type Sema::check_reg_call(Expr& e) {
  if (e.args[0]->kind != ExprKind::Str) {
    error(DiagKind::BadLiteralArg, e.args[0]->loc, "reg() takes a register name as a string literal: reg(\"ip\")");
    return e.type = Type::none();
  }
  int off = pt_regs_offset(e.args[0]->str);
  if (off < 0) {
    error(DiagKind::BadLiteralArg, e.args[0]->loc, "unknown register '" + e.args[0]->str + "'",
          "registers: ip sp bp ax bx cx dx si di r8-r15 orig_ax flags cs ss");
    return e.type = Type::none();
  }
  switch (cur_->spec.kind) {
    case ProbeKind::Kprobe: case ProbeKind::Kretprobe: case ProbeKind::Uprobe: case ProbeKind::Uretprobe:
    case ProbeKind::Usdt: case ProbeKind::Profile: case ProbeKind::Software: case ProbeKind::Hardware:
    case ProbeKind::Watchpoint:
      break;
    default:
      error(DiagKind::NotSupportedHere, e.loc, "reg() needs the registers of a probed task: kprobe, uprobe, usdt, "
                                               "profile, software, hardware or watchpoint probes, not " + cur_->spec.name);
      return e.type = Type::none();
  }
  e.ival = off;
  return e.type = Type::integer(8, false);
}

Type Sema::check_value_call(Expr& e, const FunctionInfo* f) {
  if (f->id == FunctionId::Reg) return check_reg_call(e);
  if (f->id == FunctionId::KstackOf) return check_stack_call(e, TypeKind::KStack);
  if (f->id == FunctionId::UstackOf) return check_stack_call(e, TypeKind::UStack);
  std::vector<Type> at;
  bool map_arg = f->id == FunctionId::HasKey || f->id == FunctionId::Len;
  bool literal_arg = f->id == FunctionId::Kaddr || f->id == FunctionId::Uaddr || f->id == FunctionId::Cgroupid;
  for (auto& a : e.args) at.push_back(map_arg && a.get() == e.args[0].get() ? Type::none() : check_expr(*a));
  for (size_t i = 0; i < at.size(); i++)
    if (at[i].kind == TypeKind::None && !(map_arg && i == 0) && !literal_arg) return Type::none();
  auto need = [&](size_t i, bool ok, const char* what) {
    if (!ok) error(DiagKind::BadArgType, e.args[i]->loc, std::string(f->name) + "() needs " + what + ", not " + at[i].name());
    return ok;
  };
  switch (f->id) {
    case FunctionId::Ntop: {
      size_t ai = e.args.size() - 1;
      const Type& a = at[ai];
      bool ok = a.is_int() || (a.kind == TypeKind::Array && a.size >= 4) || (a.is_str() && a.size >= 4) ||
                (a.is_ptr());
      if (!need(ai, ok, "an IPv4 address (integer) or an IPv6 address (16 bytes)")) return Type::none();
      if (e.args.size() == 2 && !need(0, at[0].is_int(), "an address family")) return Type::none();
      return Type::special(TypeKind::Inet);
    }
    case FunctionId::Ksym:
      if (!need(0, at[0].is_int() || at[0].is_ptr(), "an address")) return Type::none();
      return Type::special(TypeKind::Ksym);
    case FunctionId::Bswap:
      if (!need(0, at[0].is_int(), "an integer")) return Type::none();
      return Type::integer(at[0].size, false);
    case FunctionId::Usym:
      if (!need(0, at[0].is_int() || at[0].is_ptr(), "an address")) return Type::none();
      return Type::special(TypeKind::Usym);
    case FunctionId::Kaddr: {
      if (e.args[0]->kind != ExprKind::Str) {
        error(DiagKind::BadLiteralArg, e.args[0]->loc, "kaddr() takes a symbol name as a string literal");
        return Type::none();
      }
      // Resolved now: kernel symbols do not move while scry runs.
      uint64_t addr = kernel_symbol_address(e.args[0]->str);
      if (!addr) {
        error(DiagKind::UnknownFunction, e.args[0]->loc,
              "no kernel symbol '" + e.args[0]->str + "' in /proc/kallsyms",
              "this kernel's kallsyms lists functions but few data symbols (CONFIG_KALLSYMS_ALL is off)");
        return Type::none();
      }
      return fold_unsigned(e, addr);
    }
    case FunctionId::Cgroupid: {
      if (e.args[0]->kind != ExprKind::Str) {
        error(DiagKind::BadLiteralArg, e.args[0]->loc, "cgroupid() takes a path as a string literal");
        return Type::none();
      }
      std::string path = e.args[0]->str;
      struct stat st;
      if (stat(path.c_str(), &st) != 0 && stat((path = "/sys/fs/cgroup/unified/" + path).c_str(), &st) != 0) {
        error(DiagKind::BadLiteralArg, e.args[0]->loc, "no cgroup at '" + e.args[0]->str + "'");
        return Type::none();
      }
      manifest_.compile_inputs.push_back(path);  // a cgroup made again gets another id
      return fold_unsigned(e, st.st_ino);
    }
    case FunctionId::Strncmp: {
      int64_t n;
      if (!need(0, at[0].is_str(), "a string") || !need(1, at[1].is_str(), "a string")) return Type::none();
      if (!literal_int(*e.args[2], n) || n < 0) {
        error(DiagKind::BadLiteralArg, e.args[2]->loc, "strncmp() length must be a non-negative integer literal");
        return Type::none();
      }
      return Type::integer(8, false);
    }
    case FunctionId::Strcontains:
      if (!need(0, at[0].is_str(), "a string") || !need(1, at[1].is_str(), "a string")) return Type::none();
      // A search loop of |s| x |sub| steps: keep it far below the verifier's budget.
      if (uint64_t(at[0].size) * at[1].size > 64 * 1024) {
        error(DiagKind::LimitExceeded, e.loc, "strcontains() on strings this long would be too slow for a BPF program",
              "shorten them with str(x, N)");
        return Type::none();
      }
      return Type::integer(8, false);
    case FunctionId::HasKey: {
      bool moved = e.args.size() == 1;  // the key is already in the map expression
      if (e.args[0]->kind != ExprKind::Map || (!moved && !e.args[0]->args.empty())) {
        error(DiagKind::BadArgType, e.args[0]->loc, "has_key() needs a map, without a key");
        return Type::none();
      }
      // has_key(@m, k) checks the key as @m[k] would use it (moved there on the first pass).
      Expr& m = *e.args[0];
      if (e.args.size() == 2) {
        m.args.push_back(std::move(e.args[1]));
        e.args.pop_back();
      }
      use_map_key(m);
      return Type::integer(8, false);
    }
    case FunctionId::Buf: {
      uint32_t n = 64;
      int64_t v;
      if (e.args.size() == 2 && literal_int(*e.args[1], v)) {
        if (v < 1 || v > 200) {
          // buf() reads into a stack buffer: the same 200-byte limit as str().
          error(DiagKind::LimitExceeded, e.args[1]->loc, "buf() length must be from 1 to 200");
          return Type::none();
        }
        n = uint32_t(v);
      } else if (e.args.size() == 2) {
        if (!at[1].is_int()) {
          error(DiagKind::BadArgType, e.args[1]->loc, "buf() length must be an integer");
          return Type::none();
        }
        n = 64;  // a length known only at run time reads at most 64 bytes
      } else if (at[0].kind == TypeKind::Array) {
        n = std::min<uint32_t>(at[0].size, 1024);
      } else if (at[0].is_str()) {
        n = std::max<uint32_t>(1, uint32_t(strnlen(e.args[0]->kind == ExprKind::Str ? e.args[0]->str.c_str() : "", at[0].size)));
        if (e.args[0]->kind != ExprKind::Str) n = at[0].size;
      }
      Type t = Type::string(n + 8);  // {u64 length, bytes}
      t.kind = TypeKind::String;
      t.is_signed = true;            // marks "buffer": printed with %r
      return t;
    }
    case FunctionId::Len:
      if (e.args[0]->kind != ExprKind::Map || !e.args[0]->args.empty()) {
        error(DiagKind::BadArgType, e.args[0]->loc, "len() needs a map, without a key");
        return Type::none();
      }
      e.args[0]->map_id = map_info(*e.args[0]).id;
      return Type::integer(8, false);
    case FunctionId::Strftime:
      if (e.args[0]->kind != ExprKind::Str) {
        error(DiagKind::BadLiteralArg, e.args[0]->loc, "strftime() takes its format as a string literal");
        return Type::none();
      }
      if (!need(1, at[1].is_int(), "a time in nanoseconds (nsecs)")) return Type::none();
      if (reporting_ && e.slot < 0) {
        e.slot = int(manifest_.time_formats.size());
        manifest_.time_formats.push_back(e.args[0]->str);
      }
      return Type::special(TypeKind::Strftime);
    case FunctionId::Pton: {
      // Done now: the address is a literal. A ':' makes it IPv6 (also "::ffff:1.2.3.4").
      uint8_t bytes[16];
      const Expr& a = *e.args[0];
      bool v6 = a.kind == ExprKind::Str && a.str.find(':') != std::string::npos;
      if (a.kind != ExprKind::Str || inet_pton(v6 ? AF_INET6 : AF_INET, a.str.c_str(), bytes) != 1) {
        error(DiagKind::BadLiteralArg, a.loc, "pton() takes an IPv4 or IPv6 address as a string literal");
        return Type::none();
      }
      return Type::array(Type::integer(1, false), v6 ? 16 : 4);
    }
    case FunctionId::CgroupPath:
      if (!need(0, at[0].is_int(), "a cgroup id")) return Type::none();
      if (e.args.size() == 2 && e.args[1]->kind != ExprKind::Str) {
        error(DiagKind::BadLiteralArg, e.args[1]->loc, "cgroup_path() takes its hierarchy filter as a string literal");
        return Type::none();
      }
      if (reporting_ && e.slot < 0) {
        e.slot = int(manifest_.cgroup_filters.size());
        manifest_.cgroup_filters.push_back(e.args.size() == 2 ? e.args[1]->str : "*");
      }
      return Type::special(TypeKind::CgroupPath);
    case FunctionId::Macaddr:
      if (!need(0, at[0].is_ptr() || at[0].kind == TypeKind::Array || at[0].is_int() || at[0].is_str(),
                "a pointer to 6 bytes"))
        return Type::none();
      return Type::special(TypeKind::Mac);
    case FunctionId::Uaddr: {
      if (e.args[0]->kind != ExprKind::Str) {
        error(DiagKind::BadLiteralArg, e.args[0]->loc, "uaddr() takes a symbol name as a string literal");
        return Type::none();
      }
      if (cur_->spec.path.empty()) {
        error(DiagKind::NotSupportedHere, e.loc, "uaddr() is only available in uprobe probes");
        return Type::none();
      }
      uint64_t addr = 0;
      for (auto& s : read_elf_symbols(cur_->spec.path))
        if (s.name == e.args[0]->str) addr = s.address;
      if (!addr) {
        error(DiagKind::UnknownFunction, e.args[0]->loc,
              "no symbol '" + e.args[0]->str + "' in " + cur_->spec.path);
        return Type::none();
      }
      return fold_unsigned(e, addr);
    }
    default:
      error(DiagKind::NotSupportedHere, e.loc, std::string(f->name) + "() is not supported yet");
      return Type::none();
  }
}

void Sema::check_output_call(Expr& e, const FunctionInfo* f) {
  switch (f->id) {
    case FunctionId::Signal:
    case FunctionId::System:
      if (!opts_.unsafe) {
        error(DiagKind::UnsafeNeeded, e.loc,
              std::string(f->name) + "() can harm the system: run scry with --unsafe to allow it");
        return;
      }
      break;
    case FunctionId::Override:
      error(DiagKind::NotSupportedHere, e.loc,
            "override() needs bpf_override_return, which this kernel does not have "
            "(no CONFIG_BPF_KPROBE_OVERRIDE; kprobes cannot attach here either)");
      return;
    default:
      break;
  }
  if (f->id == FunctionId::System || f->id == FunctionId::Cat) {
    check_printf(e);  // same format rules; the event carries the formatted arguments
    return;
  }
  if (f->id == FunctionId::Signal && e.args[0]->kind == ExprKind::Str) {
    static const struct { const char* name; int num; } sigs[] = {
        {"SIGHUP", 1}, {"SIGINT", 2}, {"SIGQUIT", 3}, {"SIGILL", 4}, {"SIGTRAP", 5}, {"SIGABRT", 6},
        {"SIGBUS", 7}, {"SIGFPE", 8}, {"SIGKILL", 9}, {"SIGUSR1", 10}, {"SIGSEGV", 11}, {"SIGUSR2", 12},
        {"SIGPIPE", 13}, {"SIGALRM", 14}, {"SIGTERM", 15}, {"SIGCHLD", 17}, {"SIGCONT", 18},
        {"SIGSTOP", 19}, {"SIGTSTP", 20}};
    std::string n = e.args[0]->str;
    if (n.rfind("SIG", 0) != 0) n = "SIG" + n;
    for (auto& s : sigs)
      if (n == s.name) {
        e.args[0]->kind = ExprKind::Int;
        e.args[0]->ival = s.num;
      }
    if (e.args[0]->kind == ExprKind::Str) {
      error(DiagKind::BadLiteralArg, e.args[0]->loc, "unknown signal '" + e.args[0]->str + "'");
      return;
    }
  }
  for (auto& a : e.args) check_expr(*a);
  if (f->id == FunctionId::Join) {
    if (reporting_ && e.slot < 0) {
      e.slot = int(manifest_.join_separators.size());
      manifest_.join_separators.push_back(e.args.size() == 2 ? e.args[1]->str : " ");
    }
    Type t = e.args[0]->type;
    if (t.kind != TypeKind::None && !t.is_int() && !t.is_ptr())
      error(DiagKind::BadArgType, e.args[0]->loc, "join() needs a pointer to an array of strings, not " + t.name());
    if (e.args.size() == 2 && e.args[1]->kind != ExprKind::Str)
      error(DiagKind::BadLiteralArg, e.args[1]->loc, "join() takes its separator as a string literal");
  }
}

}  // namespace scry
