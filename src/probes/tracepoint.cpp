// tracepoint:CATEGORY:NAME: the kernel's static tracepoints, their arguments laid out by the
// format files in tracefs (tracepoint_format.cpp). Many syscalls: tracepoints on one block are
// fanned into one raw_syscalls program (syscalls.cpp); the prologue picks the probe.
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include <fnmatch.h>
#include <unistd.h>

#include "src/sema/sema.h"
#include "src/types/btf.h"
#include "src/types/kernel_info.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "tracepoint probes are written tracepoint:category:name");
    return false;
  }
  if (!kernel().has_tracefs()) {
    auto& d = diags.report(DiagKind::TracefsUnavailable, ap.loc,
                           "tracefs is not mounted and could not be mounted at /sys/kernel/tracing");
    if (geteuid() != 0) d.notes.push_back("tracefs can be read and mounted by root only: run scry as root");
    return false;
  }
  const std::string& cat = parts[1];
  const std::string& ev = parts[2];
  std::vector<std::pair<std::string, std::string>> matches;
  bool wildcard = has_wildcard(cat) || has_wildcard(ev);
  if (wildcard) {
    for (auto& full : available_tracepoints()) {
      size_t colon = full.find(':');
      std::string c = full.substr(0, colon), e = full.substr(colon + 1);
      if (fnmatch(cat.c_str(), c.c_str(), 0) == 0 && fnmatch(ev.c_str(), e.c_str(), 0) == 0) matches.emplace_back(c, e);
    }
  } else {
    matches.emplace_back(cat, ev);
  }
  size_t before = out.size();
  for (auto& [c, e] : matches) {
    auto fmt = load_tracepoint_format(c, e);
    if (!fmt) continue;
    ProbeInstance pi;
    pi.spec.kind = ProbeKind::Tracepoint;
    pi.spec.name = "tracepoint:" + c + ":" + e;
    pi.spec.category = c;
    pi.spec.event = e;
    pi.format = fmt;
    out.push_back(pi);
  }
  if (out.size() == before) {
    auto& d = diags.report(
        DiagKind::UnknownTracepoint, ap.loc,
        wildcard ? "no tracepoint matches '" + cat + ":" + ev + "'" : "unknown tracepoint '" + cat + ":" + ev + "'");
    d.notes.push_back("'scry -l tracepoint:*' lists the tracepoints of this kernel");
    return false;
  }
  return true;
}

// "const char * filename", as bpftrace lists them.
std::vector<std::string> describe_format(const TracepointFormat& f) {
  std::vector<std::string> out;
  for (auto& field : f.fields) out.push_back(field.c_type + " " + field.name);
  return out;
}

void list(Lister& l) {
  for (auto& tp : available_tracepoints()) {
    std::string name = "tracepoint:" + tp;
    if (!l.match(name)) continue;
    std::vector<std::string> args;
    if (l.verbose()) {
      size_t colon = tp.find(':');
      if (auto fmt = load_tracepoint_format(tp.substr(0, colon), tp.substr(colon + 1))) args = describe_format(*fmt);
    }
    l.emit(name, args);
  }
}

Type args_type(Sema& s, Expr& e) {
  const ProbeInstance& p = s.probe();
  if (!p.format) {
    s.error(DiagKind::ArgsNotAvailable, e.args[0]->loc, "args is not available in " + p.spec.name + " probes");
    return Type::none();
  }
  Loc name_loc = e.loc;
  name_loc.col = name_loc.end_col - int(e.str.size()) + 1;
  const TracepointField* f = p.format->find(e.str);
  if (!f) {
    std::string names;
    for (auto& fld : p.format->fields) names += (names.empty() ? "" : ", ") + fld.name;
    s.error(DiagKind::UnknownField, name_loc, p.spec.name + " has no field '" + e.str + "'",
            "its fields are: " + names);
    return Type::none();
  }
  if (!f->supported) {
    s.error(DiagKind::UnknownField, e.loc,
            "field '" + e.str + "' has type " + f->c_type + ", which scry cannot read yet");
    return Type::none();
  }
  // Pointers to structs are typed from BTF, so args->skaddr->field works. A system call's
  // pointer arguments point into the calling process's memory.
  if (f->type.is_int() && f->c_type.find('*') != std::string::npos && KernelBtf::get()) {
    Type t = KernelBtf::get()->parse_type(f->c_type);
    if (t.is_ptr()) {
      t.user = p.spec.category == "syscalls";
      return t;
    }
  }
  return f->type;
}
#endif

#ifdef SCRY_CODEGEN
// One program for many syscalls: tracepoints: the system call's number says which probe fired
// (a switch: a short tree of compares), and unselected system calls return at once.
void fan_in_prologue(CodeGen& cg, const ProbeInstance& inst) {
  if (inst.fanin.empty()) return;
  auto& b = cg.b_;
  auto* nr = b.CreateLoad(b.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, 8));  // raw_syscalls' id
  auto* none = llvm::BasicBlock::Create(cg.ctx_, "fanin.none", cg.fn_);
  auto* chosen = llvm::BasicBlock::Create(cg.ctx_, "fanin.chosen", cg.fn_);
  auto* sw = b.CreateSwitch(nr, none, unsigned(inst.fanin.size()));
  llvm::IRBuilder<> cb(chosen);
  auto* phi = cb.CreatePHI(b.getInt64Ty(), unsigned(inst.fanin.size()));
  for (auto& [number, name] : inst.fanin) {
    ProbeSpec named;  // listed (and named by `probe`), never attached
    named.kind = ProbeKind::Tracepoint;
    named.name = name;
    named.attach = false;
    size_t id = cg.manifest_.probes.size();
    cg.manifest_.probes.push_back(named);
    auto* bb = llvm::BasicBlock::Create(cg.ctx_, "fanin.case", cg.fn_);
    llvm::IRBuilder<>(bb).CreateBr(chosen);
    sw->addCase(b.getInt64(uint64_t(number)), bb);
    phi->addIncoming(cg.i64(id), bb);
  }
  b.SetInsertPoint(none);
  b.CreateRet(cg.i64(0));
  b.SetInsertPoint(chosen);
  cg.probe_id_value_ = phi;
}

llvm::Value* args_lower(CodeGen& cg, const Expr& e) {
  auto& b = cg.b_;
  const TracepointField* f = cg.inst_->format ? cg.inst_->format->find(e.str) : nullptr;
  if (!f) return e.type.is_str() ? cg.gen_string_literal("", e.type.size) : cg.i64(0);
  auto* at = cg.byte_ptr(cg.ctx_arg_, f->offset);
  if (f->data_loc) {
    // u32: high 16 bits the length, low 16 bits the offset of the data in the record.
    auto* loc = b.CreateLoad(b.getInt32Ty(), at);
    auto* off = b.CreateZExt(b.CreateAnd(loc, 0xffff), b.getInt64Ty());
    auto* src = b.CreateGEP(b.getInt8Ty(), cg.ctx_arg_, off);
    auto* buf = cg.alloca_bytes(e.type.size, "dataloc");
    cg.zero_bytes(buf, e.type.size);
    cg.call_helper(kProbeReadKernelStr, b.getInt64Ty(), {buf, b.getInt32(e.type.size), src});
    return buf;
  }
  if (f->type.is_str() || f->type.kind == TypeKind::Array) {
    uint32_t size = f->type.is_str() ? f->size + 1 : f->size;  // a string gets its NUL
    auto* buf = cg.alloca_bytes(size, "field");
    cg.zero_bytes(buf, size);
    cg.call_helper(kProbeReadKernel, b.getInt64Ty(), {buf, b.getInt32(f->size), at});
    return buf;
  }
  llvm::Value* v = b.CreateLoad(b.getIntNTy(f->size * 8), at);
  if (f->size == 8) return v;
  return f->type.is_signed ? b.CreateSExt(v, b.getInt64Ty()) : b.CreateZExt(v, b.getInt64Ty());
}
#endif

}  // namespace

const std::vector<Provider>& tracepoint_providers() {
  static const std::vector<Provider> providers = {
      {.name = "tracepoint",
       .aliases = {"t"},
       .kinds = {ProbeKind::Tracepoint},
       .syntax = "tracepoint:category:name (wildcards * ? in both)",
       .expand = FRONT_SIDE(expand),
       .list = FRONT_SIDE(list),
       .describe = FRONT_SIDE(
           [](const ProbeInstance& p) { return p.format ? describe_format(*p.format) : std::vector<std::string>{}; }),
       .args_type = FRONT_SIDE(args_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "tracepoint/" + s.category + "/" + s.event; }),
       .prologue = PLUGIN_SIDE(fan_in_prologue),
       .args_lower = PLUGIN_SIDE(args_lower)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
