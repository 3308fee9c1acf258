// Maps: the aggregations assigned to them (@m = count()) and the functions that act on them.
// Aggregation values are per CPU, updated in place (src/types/abi.h has their layouts); the
// runtime merges the CPUs' values and prints them as maps (runtime/format).
#include "src/builtins/family.h"
#include "src/types/abi.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// The integer argument of sum(), min(), hist()...: its signedness decides the value's.
bool integer_argument(Sema& s, Expr& call, bool& is_signed) {
  is_signed = false;
  if (call.args.empty()) return true;
  Type v = s.arg(call, 0);
  if (v.kind == TypeKind::None) return false;
  if (!s.need(call, 0, v.is_int(), "an integer argument")) return false;
  is_signed = v.is_signed;
  return true;
}

template <TypeKind K, bool Signed>
Type aggregation_type(Sema& s, Expr& e) {
  bool is_signed;
  if (!integer_argument(s, e, is_signed)) return Type::none();
  return Type::aggregation(K, Signed && is_signed);
}

Type lhist_type(Sema& s, Expr& e) {
  bool is_signed;
  if (!integer_argument(s, e, is_signed)) return Type::none();
  int64_t mn, mx, st;
  bool ok = s.literal_int(*e.args[1], mn) & s.literal_int(*e.args[2], mx) & s.literal_int(*e.args[3], st);
  if (!ok) {
    s.error(DiagKind::BadLiteralArg, e.loc, "lhist() min, max and step must be integer literals");
    return Type::none();
  }
  if (mn < 0 || mx <= mn || st <= 0) {
    s.error(DiagKind::BadLiteralArg, e.loc,
            "lhist() needs 0 <= min < max and step > 0 (got min " + std::to_string(mn) + ", max " + std::to_string(mx) +
                ", step " + std::to_string(st) + ")");
    return Type::none();
  }
  // Each bucket is a u64 in the per-CPU map value; 1000 keeps a value under 8 KiB.
  if ((mx - mn) / st > 1000) {
    s.error(DiagKind::LimitExceeded, e.loc,
            "lhist() would have " + std::to_string((mx - mn) / st) + " buckets; the limit is 1000");
    return Type::none();
  }
  return Type::lhist(mn, mx, st);
}

Type llhist_type(Sema& s, Expr& e) {
  bool is_signed;
  if (!integer_argument(s, e, is_signed)) return Type::none();
  int64_t factor, low, high, steps;
  bool ok = s.literal_int(*e.args[1], factor) & s.literal_int(*e.args[2], low) & s.literal_int(*e.args[3], high) &
            s.literal_int(*e.args[4], steps);
  if (!ok) {
    s.error(DiagKind::BadLiteralArg, e.loc, "llhist() factor, low, high and steps must be integer literals");
    return Type::none();
  }
  if (factor < 2 || low < 0 || high < low || steps < 1 || steps % factor != 0) {
    s.error(DiagKind::BadLiteralArg, e.loc,
            "llhist() needs factor >= 2, 0 <= low <= high, and steps a multiple of factor");
    return Type::none();
  }
  // factor^(high+1) is the overflow bound: it must fit in a signed 64-bit value.
  long double top = 1;
  for (int64_t i = 0; i <= high && top <= 4.0e18L; i++) top *= (long double)factor;
  if (top > 4.0e18L) {
    s.error(DiagKind::LimitExceeded, e.loc, "llhist() bounds go past 2^62: lower high or factor");
    return Type::none();
  }
  Type t = Type::llhist(factor, low, high, steps);
  // The same per-CPU value-size limit as lhist().
  if (t.buckets() > 1002) {
    s.error(DiagKind::LimitExceeded, e.loc,
            "llhist() would have " + std::to_string(t.buckets()) + " buckets; the limit is 1000");
    return Type::none();
  }
  return t;
}

// has_key(@m, key): the key is checked as @m[key] would use it.
Type has_key_type(Sema& s, Expr& e) {
  Expr& m = *e.args[0];
  if (m.kind != ExprKind::Map || !m.args.empty()) {
    s.error(DiagKind::BadArgType, m.loc, "has_key() needs a map, without a key");
    return Type::none();
  }
  if (s.refuse_histogram(m, "has_key()")) return Type::none();
  m.args.push_back(std::move(e.args[1]));
  s.use_map_key(m);
  e.args[1] = std::move(m.args.back());
  m.args.pop_back();
  return Type::integer(8, false);
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

llvm::Value* load(CodeGen& cg, llvm::Value* p, uint32_t off) {
  return cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.byte_ptr(p, off));
}
void store(CodeGen& cg, llvm::Value* v, llvm::Value* p, uint32_t off) { cg.b_.CreateStore(v, cg.byte_ptr(p, off)); }

llvm::Value* lower_count_sum(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  cg.upsert(
      map->map_id, op.key, abi::agg::kCountSize,
      [&](llvm::Value* p) { store(cg, cg.b_.CreateAdd(load(cg, p, 0), op.value), p, 0); },
      [&](llvm::Value* buf) { store(cg, op.value, buf, 0); });
  return nullptr;
}

// {value, seen}: a CPU that never saw a value has seen == 0 and is skipped when read.
template <bool Min>
llvm::Value* lower_min_max(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  bool s = op.type->is_signed;
  cg.upsert(
      map->map_id, op.key, abi::agg::kMinMaxSize,
      [&](llvm::Value* p) {
        auto* old = load(cg, p, 0);
        auto* better = Min ? (s ? b.CreateICmpSLT(op.value, old) : b.CreateICmpULT(op.value, old))
                           : (s ? b.CreateICmpSGT(op.value, old) : b.CreateICmpUGT(op.value, old));
        auto* unseen = b.CreateICmpEQ(load(cg, p, 8), cg.i64(0));
        store(cg, b.CreateSelect(b.CreateOr(better, unseen), op.value, old), p, 0);
        store(cg, cg.i64(1), p, 8);
      },
      [&](llvm::Value* buf) {
        store(cg, op.value, buf, 0);
        store(cg, cg.i64(1), buf, 8);
      });
  return nullptr;
}

// {count, total}
llvm::Value* lower_avg_stats(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  cg.upsert(
      map->map_id, op.key, abi::agg::kAvgSize,
      [&](llvm::Value* p) {
        store(cg, b.CreateAdd(load(cg, p, 0), cg.i64(1)), p, 0);
        store(cg, b.CreateAdd(load(cg, p, 8), op.value), p, 8);
      },
      [&](llvm::Value* buf) {
        store(cg, cg.i64(1), buf, 0);
        store(cg, op.value, buf, 8);
      });
  return nullptr;
}

// {count, total, sum of squares}
llvm::Value* lower_stddev(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  cg.upsert(
      map->map_id, op.key, abi::agg::kStddevSize,
      [&](llvm::Value* p) {
        store(cg, b.CreateAdd(load(cg, p, 0), cg.i64(1)), p, 0);
        store(cg, b.CreateAdd(load(cg, p, 8), op.value), p, 8);
        store(cg, b.CreateAdd(load(cg, p, 16), b.CreateMul(op.value, op.value)), p, 16);
      },
      [&](llvm::Value* buf) {
        store(cg, cg.i64(1), buf, 0);
        store(cg, op.value, buf, 8);
        store(cg, b.CreateMul(op.value, op.value), buf, 16);
      });
  return nullptr;
}

// hist(): bucket 0 for negative values, 1 for zero, else 2 + floor(log2(v)), by a binary
// search over the bits.
llvm::Value* lower_hist(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  llvm::Value* x = op.value;
  llvm::Value* n = cg.i64(0);
  for (int shift : {32, 16, 8, 4, 2, 1}) {
    auto* hi = b.CreateLShr(x, shift);
    auto* has = b.CreateICmpNE(hi, cg.i64(0));
    n = b.CreateAdd(n, b.CreateSelect(has, cg.i64(uint64_t(shift)), cg.i64(0)));
    x = b.CreateSelect(has, hi, x);
  }
  auto* idx = b.CreateSelect(b.CreateICmpSLT(op.value, cg.i64(0)), cg.i64(0),
                             b.CreateSelect(b.CreateICmpEQ(op.value, cg.i64(0)), cg.i64(1), b.CreateAdd(n, cg.i64(2))));
  cg.hist_increment(*map, op.key, idx, op.value);
  return nullptr;
}

// lhist(): bucket 0 below min, the last at max and above, (v - min) / step + 1 between.
llvm::Value* lower_lhist(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  const Type& t = *op.type;
  auto* v = op.value;
  // v >= min here, so unsigned division is exact.
  auto* lin = b.CreateAdd(b.CreateUDiv(b.CreateSub(v, cg.i64(uint64_t(t.lmin))), cg.i64(uint64_t(t.lstep))), cg.i64(1));
  auto* idx =
      b.CreateSelect(b.CreateICmpSLT(v, cg.i64(uint64_t(t.lmin))), cg.i64(0),
                     b.CreateSelect(b.CreateICmpSGE(v, cg.i64(uint64_t(t.lmax))), cg.i64(t.buckets() - 1), lin));
  cg.hist_increment(*map, op.key, idx, op.value);
  return nullptr;
}

// llhist(): the bucket bounds are known now: a chain from the top bound down, one compare each.
llvm::Value* lower_llhist(CodeGen& cg, const Expr& e, const Expr* map) {
  auto op = cg.aggregation_operands(*map, e);
  auto& b = cg.b_;
  auto bounds = llhist_bounds(*op.type);
  llvm::Value* idx = cg.i64(0);
  for (size_t i = 0; i < bounds.size(); i++)
    idx = b.CreateSelect(b.CreateICmpSGE(op.value, cg.i64(bounds[i])), cg.i64(i + 1), idx);
  cg.hist_increment(*map, op.key, idx, op.value);
  return nullptr;
}

}  // namespace
#endif

#define AGGREGATION(NAME, ARGS, SIG, DOC, TYPE, LOWER)                                                         \
  {                                                                                                            \
    .name = NAME, .form = Form::Aggregation, .min_args = ARGS, .max_args = ARGS, .signature = SIG, .doc = DOC, \
    .type = TYPING(TYPE), .lower = LOWERING(LOWER)                                                             \
  }

const std::vector<Builtin>& map_builtins() {
  static const std::vector<Builtin> family = {
      AGGREGATION("count", 0, "@m = count()", "count events", (aggregation_type<TypeKind::Count, false>),
                  lower_count_sum),
      AGGREGATION("sum", 1, "@m = sum(n)", "sum of values", (aggregation_type<TypeKind::Sum, true>), lower_count_sum),
      AGGREGATION("min", 1, "@m = min(n)", "minimum value", (aggregation_type<TypeKind::Min, true>),
                  lower_min_max<true>),
      AGGREGATION("max", 1, "@m = max(n)", "maximum value", (aggregation_type<TypeKind::Max, true>),
                  lower_min_max<false>),
      AGGREGATION("avg", 1, "@m = avg(n)", "average value", (aggregation_type<TypeKind::Avg, true>), lower_avg_stats),
      AGGREGATION("stats", 1, "@m = stats(n)", "count, average and total", (aggregation_type<TypeKind::Stats, true>),
                  lower_avg_stats),
      AGGREGATION("hist", 1, "@m = hist(n)", "power-of-two histogram", (aggregation_type<TypeKind::Hist, false>),
                  lower_hist),
      AGGREGATION("lhist", 4, "@m = lhist(n, min, max, step)", "linear histogram", lhist_type, lower_lhist),
      AGGREGATION("llhist", 5, "@m = llhist(n, factor, low, high, steps)", "log-linear histogram (DTrace's llquantize)",
                  llhist_type, lower_llhist),
      AGGREGATION("stddev", 1, "@m = stddev(n)", "count, average and standard deviation",
                  (aggregation_type<TypeKind::Stddev, true>), lower_stddev),
      {.name = "delete",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "delete(@m[key])",
       .doc = "delete a map element",
       .type = TYPING([](Sema& s, Expr& e) {
         s.check_map_arg(e, 0, true);
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_delete(*e.args[0], e.loc);
         return nullptr;
       })},
      {.name = "clear",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "clear(@m)",
       .doc = "delete all elements of a map",
       .type = TYPING([](Sema& s, Expr& e) {
         s.check_map_arg(e, 0, false);
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_clear_map(e, false);
         return nullptr;
       })},
      {.name = "zero",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "zero(@m)",
       .doc = "set all values of a map to zero",
       .type = TYPING([](Sema& s, Expr& e) {
         s.check_map_arg(e, 0, false);
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_clear_map(e, true);
         return nullptr;
       })},
      {.name = "len",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "len(@m)",
       .doc = "number of elements of a map",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.check_map_arg(e, 0, false) || s.refuse_histogram(*e.args[0], "len()")) return Type::none();
         return Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         // bpf_for_each_map_elem returns how many elements it visited; the callback visits all.
         if (!cg.len_cb_) {
           cg.len_cb_ = cg.make_callback("scry_len_cb", e.loc.line);
           llvm::IRBuilder<> cb(llvm::BasicBlock::Create(cg.ctx_, "entry", cg.len_cb_));
           cb.SetCurrentDebugLocation(llvm::DILocation::get(cg.ctx_, e.loc.line, 0, cg.len_cb_->getSubprogram()));
           cb.CreateRet(cb.getInt64(0));
           cg.di_->finalizeSubprogram(cg.len_cb_->getSubprogram());
         }
         return cg.call_helper(
             kForEachMapElem, cg.b_.getInt64Ty(),
             {cg.maps_[e.args[0]->map_id], cg.len_cb_, llvm::ConstantPointerNull::get(cg.b_.getPtrTy()), cg.i64(0)});
       })},
      {.name = "has_key",
       .form = Form::Value,
       .min_args = 2,
       .max_args = 2,
       .signature = "has_key(@m, key)",
       .doc = "1 if the map has the key",
       .type = TYPING(has_key_type),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         // The key as @m[key] builds it.
         ExprPtr m = clone(*e.args[0]);
         m->args.push_back(clone(*e.args[1]));
         auto* key = cg.gen_map_key(*m);
         auto* p = cg.call_helper(kMapLookup, cg.b_.getPtrTy(), {cg.maps_[m->map_id], key});
         return cg.b_.CreateZExt(cg.b_.CreateIsNotNull(p), cg.b_.getInt64Ty());
       })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
