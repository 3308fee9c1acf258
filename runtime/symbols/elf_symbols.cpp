#include "runtime/symbols/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <set>

namespace scry {

namespace {

std::vector<ElfSymbol> symbols_of(Elf* elf) {
  std::vector<ElfSymbol> out;
  std::set<std::string> seen;
  Elf_Scn* scn = nullptr;
  while (elf && (scn = elf_nextscn(elf, scn))) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; data && i < n; i++) {
      GElf_Sym sym;
      if (!gelf_getsym(data, int(i), &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value) continue;
      const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (!name || !*name || !seen.insert(name).second) continue;
      int type = GELF_ST_TYPE(sym.st_info);
      ElfSymbol s;
      s.name = name;
      s.address = sym.st_value;
      s.size = sym.st_size;
      s.is_function = type == STT_FUNC || type == STT_GNU_IFUNC;
      s.is_ifunc = type == STT_GNU_IFUNC;
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<ElfLoadSegment> segments_of(Elf* elf) {
  std::vector<ElfLoadSegment> out;
  size_t n = 0;
  if (elf && elf_getphdrnum(elf, &n) == 0)
    for (size_t i = 0; i < n; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, int(i), &ph) && ph.p_type == PT_LOAD) out.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
    }
  return out;
}

}  // namespace

std::vector<ElfSymbol> read_elf_symbols(const std::string& path) {
  std::vector<ElfSymbol> out;
  if (elf_version(EV_CURRENT) == EV_NONE) return out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  out = symbols_of(elf);
  if (elf) elf_end(elf);
  close(fd);
  return out;
}

void read_elf_memory(const void* data, size_t size, std::vector<ElfSymbol>& symbols,
                     std::vector<ElfLoadSegment>& segments) {
  if (elf_version(EV_CURRENT) == EV_NONE) return;
  Elf* elf = elf_memory(static_cast<char*>(const_cast<void*>(data)), size);
  if (!elf) return;
  symbols = symbols_of(elf);
  segments = segments_of(elf);
  elf_end(elf);
}

uint64_t elf_vaddr_to_offset(const std::string& path, uint64_t vaddr) {
  if (elf_version(EV_CURRENT) == EV_NONE) return 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  size_t n = 0;
  uint64_t out = 0;
  if (elf && elf_getphdrnum(elf, &n) == 0)
    for (size_t i = 0; i < n; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, int(i), &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
          vaddr < ph.p_vaddr + ph.p_memsz) {
        out = vaddr - ph.p_vaddr + ph.p_offset;
        break;
      }
    }
  if (elf) elf_end(elf);
  close(fd);
  return out;
}

std::vector<ElfLoadSegment> read_load_segments(const std::string& path) {
  std::vector<ElfLoadSegment> out;
  if (elf_version(EV_CURRENT) == EV_NONE) return out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  out = segments_of(elf);
  if (elf) elf_end(elf);
  close(fd);
  return out;
}

}  // namespace scry
