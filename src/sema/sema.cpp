#include "src/sema/sema.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "src/types/btf.h"

namespace scry {

// Whether `t` holds a struct or union somewhere (only those need the BTF to be laid out).
static bool has_record(const Type& t) {
  return t.kind == TypeKind::Record || (t.kind == TypeKind::Array && t.pointee && has_record(*t.pointee));
}

Type tuple_element_type(const Type& t) { return t.is_int() ? t : storage_type(t); }

Type storage_type(const Type& t) {
  if (t.kind == TypeKind::Integer) return Type::integer(8, t.is_signed);
  if (t.kind == TypeKind::Tuple) {
    std::vector<Type> e;
    for (auto& x : t.elems) e.push_back(tuple_element_type(x));
    return Type::tuple(std::move(e));
  }
  // A stored copy keeps `user`: its pointer members still point into user memory. Code
  // generation tells the copy (in BPF memory) from the original by the value's IR type.
  if (has_record(t)) {
    KernelBtf* btf = KernelBtf::get();
    return btf ? btf->layout(t) : t;
  }
  return t;
}

bool Sema::check_whole_value(const Type& t, const Loc& where) {
  if (t.kind == TypeKind::Tuple) {
    for (auto& e : t.elems)
      if (!check_whole_value(e, where)) return false;
    return true;
  }
  if (t.kind != TypeKind::Record && t.kind != TypeKind::Array) return true;
  if (t.size == 0) {
    error(DiagKind::TypeMismatch, where, t.name() + " has no known size (only a declaration is known): it cannot be copied");
    return false;
  }
  if (t.size > kMaxWholeValue) {
    error(DiagKind::LimitExceeded, where,
          t.name() + " is " + std::to_string(t.size) + " bytes, over the limit of " + std::to_string(kMaxWholeValue) +
              " for a whole value",
          "copy the members you need, or keep a pointer to it");
    return false;
  }
  return true;
}

static std::string loc_text(const Loc& l) {
  return std::to_string(l.line) + ":" + std::to_string(l.col);
}

void Sema::error(DiagKind k, const Loc& l, const std::string& msg, std::string note) {
  if (!reporting_) return;
  std::string key = std::to_string(int(k)) + "@" + loc_text(l) + msg;
  if (!reported_.insert(key).second) return;
  auto& d = diags_.report(k, l, msg);
  if (!note.empty()) d.notes.push_back(std::move(note));
}

bool Sema::run(const std::vector<ProbeInstance>& instances) {
  // Pass 0 learns every map's types (a map may be read in a block before the one that
  // assigns it); pass 1 types maps still unknown that are read before their first write as
  // integers (`@n = @n + 1`); pass 2 checks everything against them and reports.
  for (int pass = 0; pass < 3; pass++) {
    reporting_ = pass == 2;
    tentative_ints_ = pass == 1;
    for (auto& inst : instances) {
      cur_ = &inst;
      vars_.clear();
      Probe& p = prog_.probes[inst.probe_index];
      if (p.predicate) {
        check_cond(*p.predicate, "a predicate");
      }
      check_block(p.body);
    }
  }
  finish_maps();
  return !diags_.has_errors();
}

void Sema::check_block(Block& b) {
  // `let` declares a variable for the rest of its block; an outer one of the same name is
  // hidden meanwhile and visible again after the block.
  std::map<std::string, std::optional<Type>> hidden;
  for (auto& s : b) {
    if (s->kind == StmtKind::Let && !hidden.count(s->target->str)) {
      auto it = vars_.find(s->target->str);
      hidden[s->target->str] = it == vars_.end() ? std::nullopt : std::optional<Type>(it->second);
      vars_.erase(s->target->str);
    }
    check_stmt(*s);
  }
  for (auto& [name, outer] : hidden) {
    if (outer) vars_[name] = *outer;
    else vars_.erase(name);
  }
}

void Sema::check_stmt(Stmt& s) {
  switch (s.kind) {
    case StmtKind::ExprStmt:
      if (s.value->kind == ExprKind::Call) check_call(*s.value, true);
      else check_expr(*s.value);
      break;
    case StmtKind::Assign:
      check_assign(s);
      break;
    case StmtKind::If:
      check_cond(*s.value, "an if condition");
      check_block(s.body);
      check_block(s.else_body);
      break;
    case StmtKind::While:
      check_cond(*s.value, "a while condition");
      loop_depth_++;
      check_block(s.body);
      loop_depth_--;
      break;
    case StmtKind::Unroll: {
      // The body is copied `count` times into the program; 100 keeps programs small. The count
      // is an integer literal or a positional parameter ($1).
      int64_t n = 0;
      if (!literal_int(*s.value, n))
        error(DiagKind::BadLiteralArg, s.value->loc, "unroll takes an integer literal or a positional parameter");
      else if (n < 1)
        error(DiagKind::LimitExceeded, s.value->loc, "unroll minimum value is 1, not " + std::to_string(n));
      else if (n > 100)
        error(DiagKind::LimitExceeded, s.value->loc, "unroll maximum value is 100, not " + std::to_string(n));
      s.count = n;
      check_block(s.body);
      break;
    }
    case StmtKind::ForRange: {
      Type a = check_expr(*s.value), b = check_expr(*s.value2);
      for (auto* t : {&a, &b})
        if (t->kind != TypeKind::None && !t->is_int())
          error(DiagKind::TypeMismatch, s.loc, "a for range needs integer bounds, not " + t->name());
      assign_var(*s.target, Type::integer(8, true), s.loc);
      loop_depth_++;
      check_block(s.body);
      loop_depth_--;
      break;
    }
    case StmtKind::ForMap: {
      // The body runs as a callback of bpf_for_each_map_elem: a function of its own, which
      // sees $key and $value but not the variables around the loop.
      Expr& m = *s.value;
      if (!m.args.empty()) {
        error(DiagKind::BadOperand, m.loc, "for loops iterate over a whole map, without a key");
        break;
      }
      MapInfo& mi = map_info(m);
      m.map_id = mi.id;
      if (mi.key_known && mi.key.kind == TypeKind::None) {
        error(DiagKind::BadOperand, m.loc, "map " + m.str + " has no keys to iterate over");
        break;
      }
      if (refuse_histogram(m, "a for loop")) break;
      auto outer = vars_;
      vars_.clear();
      if (mi.key_known) assign_var(*s.target, mi.key, s.loc);
      if (mi.value_known) {
        Type v = mi.value;
        if (v.kind == TypeKind::Count || v.kind == TypeKind::Sum) v = Type::integer(8, v.is_signed);
        if (v.is_aggregation())
          error(DiagKind::BadOperand, m.loc, "a for loop cannot read values of " + v.name() + "()");
        else
          assign_var(*s.value2, v, s.loc);
      }
      bool was_in_callback = in_callback_;
      in_callback_ = true;
      loop_depth_++;
      check_block(s.body);
      loop_depth_--;
      in_callback_ = was_in_callback;
      vars_ = outer;
      break;
    }
    case StmtKind::Break:
    case StmtKind::Continue:
      if (loop_depth_ == 0)
        error(DiagKind::BadControlFlow, s.loc,
              std::string(s.kind == StmtKind::Break ? "break" : "continue") + " outside of a while or for loop");
      break;
    case StmtKind::Return:
      break;
    case StmtKind::Let:
      if (s.value) {
        Type t = check_expr(*s.value);
        if (t.kind != TypeKind::None) assign_var(*s.target, t, s.loc);
      }
      break;
  }
}

void Sema::check_cond(Expr& e, const char* what) {
  Type t = check_expr(e);
  if (t.kind != TypeKind::Integer && t.kind != TypeKind::Pointer && t.kind != TypeKind::None)
    error(DiagKind::TypeMismatch, e.loc, std::string(what) + " must be an integer, not " + t.name());
}

void Sema::check_assign(Stmt& s) {
  Expr& target = *s.target;
  if (target.kind == ExprKind::Map) return check_map_assign(s);
  // Scratch variable.
  Type t = check_expr(*s.value);
  if (s.op != "=") {
    auto it = vars_.find(target.str);
    if (it == vars_.end()) {
      error(DiagKind::UndefinedVariable, target.loc, "variable " + target.str + " is used before it is assigned");
      return;
    }
    target.type = it->second;
    if (it->second.kind == TypeKind::None) return;  // its assignment was reported
    if (pointer_step(s, it->second, t)) return;
    if (!it->second.is_int() || (!t.is_int() && t.kind != TypeKind::None))
      error(DiagKind::BadOperand, s.loc, "'" + s.op + "' needs integers, not " + it->second.name() +
                                             " and " + t.name());
    return;
  }
  if (t.kind == TypeKind::None) {
    // check_expr reported why; the variable is known from here on, with no type, so that its
    // uses do not each report that it was never assigned.
    vars_.try_emplace(target.str, Type::none());
    return;
  }
  assign_var(target, t, s.loc);
}

// `p += n` and `p -= n` on a pointer move it by n elements (bpftrace's pointer arithmetic).
bool Sema::pointer_step(Stmt& s, const Type& target, const Type& value) {
  if (!target.is_ptr() || !value.is_int() || (s.op != "+=" && s.op != "-=")) return false;
  s.scale = target.pointee && target.pointee->size ? target.pointee->size : 1;
  return true;
}

void Sema::assign_var(Expr& target, const Type& t, const Loc& where) {
  if (t.is_aggregation()) {
    error(DiagKind::TypeMismatch, where, "a variable cannot hold a value of type " + t.name());
    return;
  }
  if (!check_whole_value(t, where)) return;
  auto it = vars_.find(target.str);
  if (it == vars_.end() || it->second.kind == TypeKind::None) {
    // A string variable gets room for any string that may be assigned to it later.
    // Integers keep their size: a uint8 variable wraps at 256, as in bpftrace.
    vars_[target.str] = t.is_int() ? t
                        : t.is_str() ? widen(t, Type::string(opts_.default_strlen))
                                     : storage_type(t);
  } else if (!it->second.compatible(t) && !(it->second.is_ptr() && t.is_int())) {
    error(DiagKind::VarTypeMismatch, where,
          "type mismatch for " + target.str + ": cannot assign a value of type " + t.name() +
              " to a variable that holds " + it->second.name());
  } else if (!it->second.is_ptr()) {
    it->second = widen(it->second, t);
  }
  target.type = vars_[target.str];
  uint32_t& slot = prog_.probes[cur_->probe_index].var_sizes[target.str];
  slot = std::max(slot, target.type.size);
}

static bool is_aggregation_call(const Expr& e) {
  if (e.kind != ExprKind::Call) return false;
  const Builtin* b = find_call(e.str);
  return b && b->form == Form::Aggregation;
}

void Sema::check_map_assign(Stmt& s) {
  Expr& target = *s.target;
  use_map_key(target);
  if (is_aggregation_call(*s.value)) {
    if (s.op != "=") {
      error(DiagKind::AggregationMisuse, s.loc, "aggregations are assigned with '=', not '" + s.op + "'");
      return;
    }
    return check_aggregation(s, *s.value);
  }
  Type t = check_expr(*s.value);
  if (t.kind == TypeKind::None) return;
  if (t.is_aggregation()) {
    error(DiagKind::AggregationMisuse, s.value->loc,
          "a map holding " + t.name() + "() cannot be copied to another map");
    return;
  }
  if (!check_whole_value(t, s.value->loc)) return;
  if (s.op != "=") {
    MapInfo& mi = map_info(target);
    if (!t.is_int()) {
      error(DiagKind::BadOperand, s.loc, "'" + s.op + "' needs an integer, not " + t.name());
      return;
    }
    if (mi.value_known && pointer_step(s, mi.value, t)) {
      target.type = mi.value;  // it stays a pointer
      return;
    }
    if (mi.value_known && !mi.value.is_int()) {
      error(DiagKind::BadOperand, s.loc,
            "'" + s.op + "' needs an integer map, but " + target.str + " holds " + mi.value.name());
      return;
    }
  }
  // A map first written by a compound assignment holds an unsigned value (bpftrace 0.17).
  Type st = storage_type(t);
  if (s.op != "=" && !map_info(target).value_known) st.is_signed = false;
  set_map_value(target, st, s.value->loc);
}

void Sema::check_aggregation(Stmt& s, Expr& call) {
  const Builtin* b = find_call(call.str);
  if (!check_arg_count(call, *b)) return;
  Type t = b->type(*this, call);
  if (t.kind == TypeKind::None) return;
  call.type = t;
  set_map_value(*s.target, t, call.loc);
}

Sema::MapInfo& Sema::map_info(const Expr& map) {
  MapInfo& mi = maps_[map.str];
  if (mi.id < 0) {
    mi.id = int(manifest_.maps.size());
    MapSpec spec;
    spec.name = map.str;
    spec.bpf_name = "map" + std::to_string(mi.id);
    manifest_.maps.push_back(spec);
  }
  return mi;
}

Type Sema::map_key_type(Expr& map) {
  if (map.args.empty()) return Type::none();
  std::vector<Type> elems;
  for (auto& k : map.args) {
    Type t = check_expr(*k);
    if (t.kind == TypeKind::None) return Type::none();
    if (t.is_aggregation() || t.kind == TypeKind::Tuple) {
      error(DiagKind::MapKeyMismatch, k->loc, t.name() + " cannot be used as a map key");
      return Type::none();
    }
    if (!check_whole_value(t, k->loc)) return Type::none();
    elems.push_back(storage_type(t));
  }
  if (elems.size() == 1) return elems[0];
  return Type::tuple(std::move(elems));
}

// What a key expression is called, for labels (--metrics): the builtin, field or variable it
// is, or that a call such as str(args.filename) reads; "" when it has no name of its own.
static std::string key_expr_name(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Builtin:
    case ExprKind::Field: return e.str;
    case ExprKind::Var: return e.str.substr(e.str.find_first_not_of('$'));
    case ExprKind::Call: return e.args.empty() ? e.str : key_expr_name(*e.args[0]);
    default: return "";
  }
}

// One name per part of a key: key_expr_name when it is a valid label name not used yet, else
// keyN (N: the part's position).
static std::vector<std::string> key_names(const Expr& map) {
  std::vector<std::string> names;
  for (size_t i = 0; i < map.args.size(); i++) {
    std::string n = key_expr_name(*map.args[i]);
    bool valid = !n.empty() && !isdigit((unsigned char)n[0]) && n.compare(0, 2, "__") != 0;
    for (char c : n) valid = valid && (isalnum((unsigned char)c) || c == '_');
    if (!valid || n.compare(0, 3, "key") == 0 || std::find(names.begin(), names.end(), n) != names.end())
      n = "key" + std::to_string(i);
    names.push_back(n);
  }
  return names;
}

static std::string key_desc(const Type& t, bool scalar) {
  return scalar ? "no key" : "key " + t.name();
}

void Sema::use_map_key(Expr& map) {
  MapInfo& mi = map_info(map);
  map.map_id = mi.id;
  Type k = map_key_type(map);
  bool scalar = map.args.empty();
  if (!scalar && k.kind == TypeKind::None) return;
  if (!mi.key_known) {
    mi.key = k;
    mi.key_names = key_names(map);
    mi.key_known = true;
    mi.key_loc = map.loc;
    return;
  }
  bool was_scalar = mi.key.kind == TypeKind::None;
  if (scalar != was_scalar || (!scalar && !mi.key.compatible(k))) {
    error(DiagKind::MapKeyMismatch, map.loc,
          "map " + map.str + " is used with " + key_desc(k, scalar) + " here, but with " +
              key_desc(mi.key, was_scalar) + " at " + std::to_string(mi.key_loc.line) + ":" +
              std::to_string(mi.key_loc.col),
          "a map's key type is fixed by its first use");
    return;
  }
  if (!scalar) mi.key = widen(mi.key, k);
}

void Sema::set_map_value(Expr& map, const Type& t, const Loc& where) {
  MapInfo& mi = map_info(map);
  if (!mi.value_known) {
    mi.value = t;
    mi.value_known = true;
    mi.value_loc = where;
  } else if (!mi.value.compatible(t)) {
    error(DiagKind::MapValueMismatch, where,
          "type mismatch for " + map.str + ": cannot assign a value of type " + t.name() +
              " to a map that holds " + mi.value.name() + " (since " +
              std::to_string(mi.value_loc.line) + ":" + std::to_string(mi.value_loc.col) + ")");
    return;
  } else if (!mi.value.is_int()) {
    mi.value = widen(mi.value, t);  // longer strings; an integer's signedness stays as first used
  }
  map.type = mi.value;
}

static std::string human_bytes(uint64_t n) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  char buf[32];
  snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

// The kernel allocates a hash map's entries when it is created, a per-CPU value once per
// possible CPU: a map past the budget is refused here, before it can push the machine into
// its OOM killer.
void Sema::check_map_memory(const MapSpec& spec, const Loc& at) {
  if (!opts_.map_memory_budget) return;
  uint64_t cpus = spec.percpu ? opts_.possible_cpus : 1;
  uint64_t value = (uint64_t(spec.bpf_value_size()) + 7) / 8 * 8;
  uint64_t key = (uint64_t(spec.bpf_key_size()) + 7) / 8 * 8;
  uint64_t bytes = uint64_t(spec.max_entries) * (key + value * cpus);
  if (bytes <= opts_.map_memory_budget) return;
  error(DiagKind::LimitExceeded, at,
        spec.name + " would take " + human_bytes(bytes) + " of kernel memory (" + std::to_string(spec.max_entries) +
            " entries of " + std::to_string(value) + "-byte values" +
            (cpus > 1 ? " on each of " + std::to_string(cpus) + " CPUs" : "") + "), more than the " +
            human_bytes(opts_.map_memory_budget) + " a map may take",
        "raise the limit with --map-memory SIZE (default: a quarter of this machine's memory), or give the map "
        "fewer entries with --map-size N");
}

void Sema::finish_maps() {
  for (auto& [name, mi] : maps_) {
    MapSpec& spec = manifest_.maps[mi.id];
    spec.key = mi.key;
    spec.key_names = mi.key_names;
    spec.value = mi.value;
    spec.percpu = mi.value.is_aggregation();
    spec.bucketed = mi.value.is_histogram();
    spec.hist_sum = spec.bucketed && opts_.hist_sums;
    // A histogram without keys has an entry per bucket: it can never be full.
    spec.max_entries = mi.key.kind != TypeKind::None ? opts_.map_max_entries : spec.bucketed ? spec.bucket_slots() : 1;
    if (mi.value_known) check_map_memory(spec, mi.value_loc);
    if (!mi.value_known && !diags_.has_errors())  // else it follows from an earlier error
      error(DiagKind::UndefinedVariable, mi.key_loc, "map " + name + " is used but never assigned");
  }
}

bool run_sema(Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              const SemaOptions& opts, Diagnostics& diags) {
  Sema s(prog, manifest, opts, diags);
  return s.run(instances);
}

}  // namespace scry
