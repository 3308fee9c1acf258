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
      if (gelf_getphdr(elf, int(i), &ph) && ph.p_type == PT_LOAD)
        out.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz});
    }
  return out;
}

}  // namespace

bool with_elf_file(const std::string& path, const std::function<void(Elf*)>& fn) {
  if (elf_version(EV_CURRENT) == EV_NONE) return false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  fn(elf);
  if (elf) elf_end(elf);
  close(fd);
  return true;
}

std::vector<ElfSymbol> read_elf_symbols(const std::string& path) {
  std::vector<ElfSymbol> out;
  with_elf_file(path, [&](Elf* elf) { out = symbols_of(elf); });
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
  uint64_t out = 0;
  with_elf_file(path, [&](Elf* elf) {
    for (auto& seg : segments_of(elf))
      if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.memsz) {
        out = vaddr - seg.vaddr + seg.offset;
        break;
      }
  });
  return out;
}

std::vector<ElfLoadSegment> read_load_segments(const std::string& path) {
  std::vector<ElfLoadSegment> out;
  with_elf_file(path, [&](Elf* elf) { out = segments_of(elf); });
  return out;
}

}  // namespace scry
