// DWARF debug information of user programs (libdw): the parameters of a function, for
// `args.NAME` in uprobes and `-lv`, and the struct, union and enum types of the program, added
// to the BTF view the compiler reads (KernelBtf::extend), so that they work like kernel types.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "src/types/type.h"

namespace scry {

class KernelBtf;

struct DwarfParam {
  std::string name;
  std::string c_type;  // as bpftrace lists it: "int", "int*", "struct Foo*"
  Type type;           // none: a type scry cannot read (a struct passed by value, a float)
};

// The parameters of `func` in `binary`, its types added to `btf`; nullopt if the binary has no
// DWARF for it.
std::optional<std::vector<DwarfParam>> dwarf_params(const std::string& binary, const std::string& func,
                                                    KernelBtf& btf);

// The parameters of `func` as -lv lists them ("int argc"), without adding types anywhere.
std::vector<std::string> dwarf_param_lines(const std::string& binary, const std::string& func);

// Binaries whose DWARF types a script may name in casts (the binaries of its uprobes).
void note_dwarf_binary(const std::string& binary);
// A type the script names ("struct Foo") that the BTF lacks, from the noted binaries' DWARF,
// added to `btf`; false if none has it.
bool import_dwarf_type(const std::string& key, KernelBtf& btf);

}  // namespace scry
