// iter:task, iter:task_file, iter:task_vma: BPF iterators, run once over every task (file,
// mapping) when tracing starts; then the run ends. ctx is the kernel's struct bpf_iter__NAME.
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include "src/types/btf.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

const char* const kIterators[] = {"task", "task_file", "task_vma"};

#ifndef SCRY_CODEGEN
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  if (parts.size() != 2) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "iterator probes are written iter:task, iter:task_file or iter:task_vma");
    return false;
  }
  for (auto* k : kIterators)
    if (parts[1] == k) {
      ProbeInstance pi;
      pi.spec.kind = ProbeKind::Iter;
      pi.spec.func = k;
      pi.spec.name = "iter:" + parts[1];
      out.push_back(pi);
      return true;
    }
  diags.report(DiagKind::BadAttachPoint, ap.loc, "unknown iterator '" + parts[1] + "' (task, task_file or task_vma)");
  return false;
}

void list(Lister& l) {
  for (auto* k : kIterators) l.emit(std::string("iter:") + k);
}

// ctx->task, ctx->file, ctx->vma: typed by the kernel's struct bpf_iter__NAME.
Type ctx_type(const ProbeInstance& p) {
  KernelBtf* btf = KernelBtf::get();
  Type t = btf ? btf->parse_type("struct bpf_iter__" + p.spec.func) : Type::none();
  return t.kind == TypeKind::Record ? Type::pointer(t) : Type::integer(8, false);
}
#endif

#ifdef SCRY_CODEGEN
// The iterator calls once more at the end with no object (ctx->task == NULL): skip it.
void prologue(CodeGen& cg, const ProbeInstance&) {
  auto& b = cg.b_;
  auto* obj = b.CreateLoad(b.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, 8));
  auto* run = llvm::BasicBlock::Create(cg.ctx_, "iter.object", cg.fn_);
  auto* skip = llvm::BasicBlock::Create(cg.ctx_, "iter.end", cg.fn_);
  b.CreateCondBr(b.CreateICmpEQ(obj, cg.i64(0)), skip, run);
  b.SetInsertPoint(skip);
  b.CreateRet(cg.i64(0));
  b.SetInsertPoint(run);
}
#endif

}  // namespace

const std::vector<Provider>& iter_providers() {
  static const std::vector<Provider> providers = {
      {.name = "iter",
       .aliases = {"it"},
       .kinds = {ProbeKind::Iter},
       .syntax = "iter:task|task_file|task_vma (runs once, then scry exits)",
       .expand = FRONT_SIDE(expand),
       .list = FRONT_SIDE(list),
       .ctx_type = FRONT_SIDE(ctx_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "iter/" + s.func; }),
       .prologue = PLUGIN_SIDE(prologue)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
