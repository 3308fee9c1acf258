// LLVM set-up (BPF target only, once per process), optimisation and object emission.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>

#include "src/codegen/codegen_internal.h"

extern "C" {
void LLVMInitializeBPFTargetInfo();
void LLVMInitializeBPFTarget();
void LLVMInitializeBPFTargetMC();
void LLVMInitializeBPFAsmPrinter();
}

namespace scry {

static llvm::TargetMachine* bpf_target_machine(std::string& err) {
  static llvm::TargetMachine* tm = [&]() -> llvm::TargetMachine* {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
    const llvm::Target* target = llvm::TargetRegistry::lookupTarget("bpfel", err);
    if (!target) return nullptr;
    llvm::TargetOptions opts;
    return target->createTargetMachine("bpfel", "v3", "", opts, std::nullopt, std::nullopt,
                                       llvm::CodeGenOptLevel::Default);
  }();
  return tm;
}

bool CodeGen::emit(bool want_ir, CodegenResult& out) {
  std::string err;
  llvm::TargetMachine* tm = bpf_target_machine(err);
  if (!tm) {
    diags_.report(DiagKind::VerifierRejected, Loc{}, "LLVM has no BPF target: " + err);
    return false;
  }
  mod_->setDataLayout(tm->createDataLayout());

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(*mod_, mam);

  if (want_ir) {
    llvm::raw_string_ostream os(out.ir);
    mod_->print(os, nullptr);
  }

  llvm::SmallVector<char, 0> buf;
  llvm::raw_svector_ostream os(buf);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    diags_.report(DiagKind::VerifierRejected, Loc{}, "LLVM cannot emit a BPF object");
    return false;
  }
  pm.run(*mod_);
  out.elf.assign(buf.begin(), buf.end());
  return true;
}

}  // namespace scry
