#include "src/probes/usdt_notes.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "runtime/symbols/elf_symbols.h"
#include "src/types/abi.h"

namespace scry {

namespace {

// x86-64 registers by every name the assembler uses, to their offset in struct pt_regs.
uint32_t register_offset(const std::string& r, bool& ok) {
  using namespace abi::pt_regs;
  static const struct { const char* names[4]; uint32_t off; } regs[] = {
      {{"rax", "eax", "ax", "al"}, kAx}, {{"rbx", "ebx", "bx", "bl"}, kBx}, {{"rcx", "ecx", "cx", "cl"}, kCx},
      {{"rdx", "edx", "dx", "dl"}, kDx}, {{"rsi", "esi", "si", "sil"}, kSi}, {{"rdi", "edi", "di", "dil"}, kDi},
      {{"rbp", "ebp", "bp", "bpl"}, kBp}, {{"rsp", "esp", "sp", "spl"}, kSp}, {{"r8", "r8d", "r8w", "r8b"}, kR8},
      {{"r9", "r9d", "r9w", "r9b"}, kR9}, {{"r10", "r10d", "r10w", "r10b"}, kR10}, {{"r11", "r11d", "r11w", "r11b"}, kR11},
      {{"r12", "r12d", "r12w", "r12b"}, kR12}, {{"r13", "r13d", "r13w", "r13b"}, kR13}, {{"r14", "r14d", "r14w", "r14b"}, kR14},
      {{"r15", "r15d", "r15w", "r15b"}, kR15}, {{"rip", "eip", "ip", "ip"}, kIp},
  };
  for (auto& reg : regs)
    for (auto* n : reg.names)
      if (r == n) {
        ok = true;
        return reg.off;
      }
  ok = false;
  return 0;
}

}  // namespace

bool parse_usdt_arg(const std::string& text, UsdtArg& out) {
  size_t at = text.find('@');
  if (at == std::string::npos) return false;
  int size = atoi(text.substr(0, at).c_str());
  out.is_signed = size < 0;
  out.size = uint32_t(size < 0 ? -size : size);
  if (out.size != 1 && out.size != 2 && out.size != 4 && out.size != 8) return false;
  std::string op = text.substr(at + 1);
  bool ok = false;
  if (op.size() > 1 && op[0] == '$') {
    out.kind = UsdtArg::Constant;
    out.value = strtoll(op.c_str() + 1, nullptr, 0);
    if (out.size < 8) {  // the note holds the value as written: -3600 for (uint16_t)61936
      uint64_t bits = uint64_t(out.value) & ((uint64_t(1) << (out.size * 8)) - 1);
      uint64_t sign = uint64_t(1) << (out.size * 8 - 1);
      out.value = out.is_signed && (bits & sign) ? int64_t(bits | ~((sign << 1) - 1)) : int64_t(bits);
    }
    return true;
  }
  if (op.size() > 1 && op[0] == '%') {
    out.kind = UsdtArg::Register;
    out.reg = register_offset(op.substr(1), ok);
    return ok;
  }
  // [disp](%reg) or [disp](%reg,%index,scale)
  size_t paren = op.find("(%");
  if (paren != std::string::npos && op.back() == ')') {
    std::string disp = op.substr(0, paren);
    char* end = nullptr;
    out.value = disp.empty() ? 0 : strtoll(disp.c_str(), &end, 0);
    if (!disp.empty() && *end) return false;  // symbol(%rip): not supported
    out.kind = UsdtArg::Memory;
    std::string inside = op.substr(paren + 2, op.size() - paren - 3);
    size_t comma = inside.find(',');
    out.reg = register_offset(inside.substr(0, comma), ok);
    if (!ok || comma == std::string::npos) return ok;
    std::string rest = inside.substr(comma + 1);  // %index[,scale]
    size_t comma2 = rest.find(',');
    if (rest.empty() || rest[0] != '%') return false;
    out.indexed = true;
    out.index_reg = register_offset(rest.substr(1, comma2 == std::string::npos ? std::string::npos : comma2 - 1), ok);
    out.scale = comma2 == std::string::npos ? 1 : uint32_t(atoi(rest.c_str() + comma2 + 1));
    return ok && (out.scale == 1 || out.scale == 2 || out.scale == 4 || out.scale == 8);
  }
  return false;
}

std::vector<UsdtProbe> read_usdt_probes(const std::string& path) {
  std::vector<UsdtProbe> out;
  with_elf_file(path, [&](Elf* elf) {
    size_t shstrndx = 0;
    uint64_t base_addr = 0;  // address of .stapsdt.base, to undo prelinking
    Elf_Scn* scn = nullptr;
    if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0)
      while ((scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        const char* name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : nullptr;
        if (name && strcmp(name, ".stapsdt.base") == 0) base_addr = sh.sh_addr;
      }
    scn = nullptr;
    while (elf && (scn = elf_nextscn(elf, scn))) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      size_t off = 0, name_off, desc_off;
      GElf_Nhdr nh;
      while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        const char* owner = static_cast<const char*>(data->d_buf) + name_off;
        if (nh.n_type != 3 || strcmp(owner, "stapsdt") != 0) continue;
        const char* desc = static_cast<const char*>(data->d_buf) + desc_off;
        uint64_t pc, base, sem;
        memcpy(&pc, desc, 8);
        memcpy(&base, desc + 8, 8);
        memcpy(&sem, desc + 16, 8);
        const char* provider = desc + 24;
        const char* name = provider + strlen(provider) + 1;
        const char* args = name + strlen(name) + 1;
        UsdtProbe p;
        p.provider = provider;
        p.name = name;
        p.arg_text = args;
        uint64_t adjust = base_addr && base ? base_addr - base : 0;
        p.file_offset = elf_vaddr_to_offset(path, pc + adjust);
        p.semaphore_offset = sem ? elf_vaddr_to_offset(path, sem + adjust) : 0;
        std::istringstream in(p.arg_text);
        std::string a;
        while (in >> a) {
          UsdtArg arg;
          if (!parse_usdt_arg(a, arg) && p.error.empty()) p.error = "cannot decode argument '" + a + "'";
          p.args.push_back(arg);
        }
        out.push_back(std::move(p));
      }
    }
  });
  return out;
}

}  // namespace scry
