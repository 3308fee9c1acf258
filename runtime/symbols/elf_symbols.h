// Symbols of an ELF file (.symtab and .dynsym), read with libelf: for uprobe wildcards,
// uaddr(), listing, and naming the frames of user stacks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

typedef struct Elf Elf;

namespace scry {

struct ElfSymbol {
  std::string name;
  uint64_t address = 0;  // st_value
  uint64_t size = 0;
  bool is_function = false;  // STT_FUNC or STT_GNU_IFUNC
  bool is_ifunc = false;
};

// Defined symbols with names, both tables merged (one entry per name); empty if the file
// cannot be read as ELF.
std::vector<ElfSymbol> read_elf_symbols(const std::string& path);

// The file offset of a virtual address (from the PT_LOAD segment holding it); 0 if none.
uint64_t elf_vaddr_to_offset(const std::string& path, uint64_t vaddr);

// A PT_LOAD segment: file bytes [offset, offset + filesz) are mapped at vaddr.
struct ElfLoadSegment {
  uint64_t vaddr = 0, offset = 0, filesz = 0, memsz = 0;
};
std::vector<ElfLoadSegment> read_load_segments(const std::string& path);

// Opens `path` with libelf and calls fn(elf) (elf is null if the file is not ELF), then closes
// it; false (fn not called) if the file cannot be opened.
bool with_elf_file(const std::string& path, const std::function<void(Elf*)>& fn);

// Symbols and segments of an ELF image in memory (the vDSO).
void read_elf_memory(const void* data, size_t size, std::vector<ElfSymbol>& symbols,
                     std::vector<ElfLoadSegment>& segments);

}  // namespace scry
