// Network values: IP addresses (ntop, pton), MAC addresses, byte order.
#include <arpa/inet.h>

#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include <cstdio>
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

Type ntop_type(Sema& s, Expr& e) {
  size_t ai = e.args.size() - 1;
  for (size_t i = 0; i < e.args.size(); i++)
    if (s.arg(e, i).kind == TypeKind::None) return Type::none();
  const Type& a = e.args[ai]->type;
  bool ok = a.is_int() || (a.kind == TypeKind::Array && a.size >= 4) || (a.is_str() && a.size >= 4) || a.is_ptr();
  if (!s.need(e, ai, ok, "an IPv4 address (integer) or an IPv6 address (16 bytes)")) return Type::none();
  if (e.args.size() == 2 && !s.need(e, 0, e.args[0]->type.is_int(), "an address family")) return Type::none();
  return Type::special_value("inet", 24);
}

// {u64 family, 16 address bytes}
std::string print_inet(const Type&, const uint8_t* p, const ValueNames&) {
  char buf[INET6_ADDRSTRLEN] = "";
  int af = int(word_at(p));
  if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, p + 8, buf, sizeof buf)) return "";
  return buf;
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

llvm::Value* lower_ntop(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  const Expr& a = *e.args.back();
  auto* buf = cg.alloca_bytes(24, "inet");
  cg.zero_bytes(buf, 24);
  llvm::Value* addr = cg.gen_expr(a);
  llvm::Value* af;
  if (e.args.size() == 2)
    af = cg.gen_expr(*e.args[0]);
  else
    af = cg.i64(a.type.is_int() || (!a.type.is_ptr() && a.type.size == 4) ? AF_INET : AF_INET6);
  b.CreateStore(af, buf);
  if (a.type.is_int()) {
    b.CreateStore(b.CreateTrunc(addr, b.getInt32Ty()), cg.byte_ptr(buf, 8));
  } else if (a.type.is_str()) {
    cg.copy_bytes(cg.byte_ptr(buf, 8), addr, std::min(16u, a.type.size));
  } else {
    // An array member or a pointer: the bytes are in kernel (or user) memory. IPv4 needs 4.
    auto* four = llvm::BasicBlock::Create(cg.ctx_, "ntop.v4", cg.fn_);
    auto* six = llvm::BasicBlock::Create(cg.ctx_, "ntop.v6", cg.fn_);
    auto* done = llvm::BasicBlock::Create(cg.ctx_, "ntop.done", cg.fn_);
    b.CreateCondBr(b.CreateICmpEQ(af, cg.i64(AF_INET)), four, six);
    b.SetInsertPoint(four);
    cg.probe_read(cg.byte_ptr(buf, 8), 4, addr);
    b.CreateBr(done);
    b.SetInsertPoint(six);
    cg.probe_read(cg.byte_ptr(buf, 8), 16, addr);
    b.CreateBr(done);
    b.SetInsertPoint(done);
  }
  return buf;
}

}  // namespace
#endif

const std::vector<Builtin>& network_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "ntop",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 2,
       .signature = "ntop([af,] addr)",
       .doc = "an IPv4/IPv6 address, printed as text",
       .type = TYPING(ntop_type),
       .lower = LOWERING(lower_ntop),
       .value_kind = "inet",
       .print = PRINTING(print_inet)},
      {.name = "pton",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "pton(ADDRESS)",
       .doc = "an IPv4 or IPv6 address literal as its 4 or 16 bytes",
       .type = TYPING([](Sema& s, Expr& e) {
         // Done now: the address is a literal. A ':' makes it IPv6 (also "::ffff:1.2.3.4").
         uint8_t bytes[16];
         const Expr& a = *e.args[0];
         bool v6 = a.kind == ExprKind::Str && a.str.find(':') != std::string::npos;
         if (a.kind != ExprKind::Str || inet_pton(v6 ? AF_INET6 : AF_INET, a.str.c_str(), bytes) != 1) {
           s.error(DiagKind::BadLiteralArg, a.loc, "pton() takes an IPv4 or IPv6 address as a string literal");
           return Type::none();
         }
         return Type::array(Type::integer(1, false), v6 ? 16 : 4);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         uint8_t bytes[16] = {};
         bool v6 = e.type.count == 16;
         inet_pton(v6 ? AF_INET6 : AF_INET, e.args[0]->str.c_str(), bytes);
         auto* buf = cg.alloca_bytes(e.type.size, "pton");
         for (uint32_t i = 0; i < e.type.size; i++) cg.b_.CreateStore(cg.b_.getInt8(bytes[i]), cg.byte_ptr(buf, i));
         return buf;
       })},
      {.name = "macaddr",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "macaddr(p)",
       .doc = "a MAC address",
       .type = TYPING([](Sema& s, Expr& e) {
         Type a = s.arg(e, 0);
         if (!s.need(e, 0, a.is_ptr() || a.kind == TypeKind::Array || a.is_int() || a.is_str(), "a pointer to 6 bytes"))
           return Type::none();
         return Type::special_value("macaddr", 8);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         const Expr& a = *e.args[0];
         auto* buf = cg.alloca_bytes(8, "mac");  // 6 bytes, padded
         cg.b_.CreateStore(cg.i64(0), buf);
         llvm::Value* v = cg.gen_expr(a);
         if (a.type.is_str())
           cg.copy_bytes(buf, v, std::min(6u, a.type.size));
         else if (a.type.is_int())
           cg.b_.CreateStore(v, buf);
         else
           cg.probe_read(buf, 6, v);
         // A word-sized value travels as an i64, not as its buffer.
         return cg.b_.CreateLoad(cg.b_.getInt64Ty(), buf);
       }),
       .value_kind = "macaddr",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames&) -> std::string {
         char buf[24];
         snprintf(buf, sizeof buf, "%02X:%02X:%02X:%02X:%02X:%02X", p[0], p[1], p[2], p[3], p[4], p[5]);
         return buf;
       })},
      {.name = "bswap",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "bswap(n)",
       .doc = "reverse the bytes of an integer of its size",
       .type = TYPING([](Sema& s, Expr& e) {
         Type a = s.arg(e, 0);
         if (!s.need(e, 0, a.is_int(), "an integer")) return Type::none();
         return Type::integer(a.size, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         auto& b = cg.b_;
         uint32_t bits = e.type.size * 8;
         llvm::Value* v = cg.gen_expr(*e.args[0]);
         if (bits == 8) return v;
         auto* narrow = bits == 64 ? v : b.CreateTrunc(v, b.getIntNTy(bits));
         llvm::Value* swapped = b.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, narrow);
         return bits == 64 ? swapped : b.CreateZExt(swapped, b.getInt64Ty());
       })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
