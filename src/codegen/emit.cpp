// LLVM set-up (BPF target only, once per process), optimisation and object emission.
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
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

namespace {
// LLVM's own errors (the BPF back end's stack limit, unsupported operations) become located
// diagnostics instead of being printed raw.
struct LlvmErrors {
  Diagnostics* diags;
  bool failed = false;
  bool stack_reported = false;  // the back end repeats it for every over-limit slot
};

void on_llvm_diagnostic(const llvm::DiagnosticInfo* dip, void* ctx) {
  const llvm::DiagnosticInfo& di = *dip;
  auto* errs = static_cast<LlvmErrors*>(ctx);
  if (di.getSeverity() != llvm::DS_Error) return;
  std::string msg;
  llvm::raw_string_ostream os(msg);
  llvm::DiagnosticPrinterRawOStream printer(os);
  di.print(printer);
  os.flush();
  Loc where;
  if (auto* located = llvm::dyn_cast<llvm::DiagnosticInfoUnsupported>(&di)) {
    if (located->isLocationAvailable()) {
      where.line = where.end_line = int(located->getLocation().getLine());
      where.col = where.end_col = int(located->getLocation().getColumn());
    }
  }
  errs->failed = true;
  if (where.line > 0) {
    // LLVM's column is that of one instruction; underline the whole line instead.
    std::string text = errs->diags->source_line(where.line);
    size_t first = text.find_first_not_of(" \t");
    where.col = first == std::string::npos ? 1 : int(first) + 1;
    where.end_col = int(text.size());
  }
  if (msg.find("stack limit") != std::string::npos) {
    if (errs->stack_reported) return;
    errs->stack_reported = true;
    auto& d = errs->diags->report(DiagKind::LimitExceeded, where,
                                  "this probe needs more than the 512 bytes of stack a BPF program has");
    d.notes.push_back("keys, values and strings of one statement share the stack: use shorter "
                      "strings (str(x, N)) or fewer string keys per statement");
    return;
  }
  size_t colon = msg.find(": in function");
  if (colon != std::string::npos) msg = msg.substr(msg.find(':', colon + 14) + 1);
  errs->diags->report(DiagKind::LimitExceeded, where, "the BPF back end cannot compile this:" + msg);
}
}  // namespace

bool CodeGen::emit(bool want_ir, CodegenResult& out) {
  LlvmErrors llvm_errors{&diags_};
  ctx_.setDiagnosticHandlerCallBack(on_llvm_diagnostic, &llvm_errors);
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
  if (llvm_errors.failed) return false;
  out.elf.assign(buf.begin(), buf.end());
  return true;
}

}  // namespace scry
