// Clocks and timestamps.
#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include "runtime/format/wall_time.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// strftime(): {u64 format index, u64 nsecs since boot (CLOCK_MONOTONIC)}, shown in local time.
std::string print_timestamp(const Type&, const uint8_t* p, const ValueNames& names) {
  uint64_t id = word_at(p), ns = word_at(p + 8);
  if (id >= names.time_formats.size()) return "";
  return fmt::format_wall_time(names.time_formats[id], int64_t(ns) + fmt::boot_to_wall_ns());
}

}  // namespace
#endif

const std::vector<Builtin>& time_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "nsecs",
       .form = Form::Identifier,
       .signature = "nsecs",
       .doc = "nanoseconds since boot (monotonic clock)",
       .type = TYPING([](Sema&, Expr&) { return Type::integer(8, false); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.call_helper(abi::kKtimeGetNs, cg.b_.getInt64Ty(), {});
       })},
      {.name = "elapsed",
       .form = Form::Identifier,
       .signature = "elapsed",
       .doc = "nanoseconds since scry started",
       .type = TYPING([](Sema&, Expr&) { return Type::integer(8, false); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         auto& b = cg.b_;
         return b.CreateSub(cg.call_helper(abi::kKtimeGetNs, b.getInt64Ty(), {}),
                            b.CreateLoad(b.getInt64Ty(), cg.global_slot(kGlobalStart)));
       })},
      {.name = "time",
       .form = Form::Statement,
       .min_args = 0,
       .max_args = 1,
       .signature = "time([fmt])",
       .doc = "print the current time (strftime format)",
       .type = TYPING([](Sema& s, Expr& e) {
         if (e.args.size() == 1 && !s.literal_str(e, 0, "its format")) return Type::none();
         s.add_slot(e, s.manifest().time_formats, e.args.size() == 1 ? e.args[0]->str : std::string("%H:%M:%S\n"));
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.submit_event(cg.reserve_event(sizeof(EventHeader), EventType::Time, uint64_t(e.slot)));
         return nullptr;
       })},
      {.name = "strftime",
       .form = Form::Value,
       .min_args = 2,
       .max_args = 2,
       .signature = "strftime(fmt, nsecs)",
       .doc = "a timestamp, formatted when printed",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.literal_str(e, 0, "its format")) return Type::none();
         if (!s.need(e, 1, s.arg(e, 1).is_int(), "a time in nanoseconds (nsecs)")) return Type::none();
         s.add_slot(e, s.manifest().time_formats, e.args[0]->str);
         return Type::special_value("timestamp", 16);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         auto* buf = cg.alloca_bytes(16, "strftime");
         cg.b_.CreateStore(cg.i64(uint64_t(e.slot)), buf);
         cg.b_.CreateStore(cg.gen_expr(*e.args[1]), cg.byte_ptr(buf, 8));
         return buf;
       }),
       .value_kind = "timestamp",
       .print = PRINTING(print_timestamp)},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
