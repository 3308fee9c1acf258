// Compiled programs (scry --compile -o prog.scry script.bt): the BPF object, its Manifest and
// what is needed to check, where it runs, that the kernel lays out what it reads as the
// kernel it was compiled on did. `scry prog.scry [ARGS]` (or ./prog.scry: the file starts
// with a #! line) runs it without the code generator: LLVM is never mapped.
//
// The check: where it runs, scry parses and types the script again (no code generation) and
// compares the kernel facts the program was compiled with (layout_facts: each field's offset
// and bit position, each record's size, each constant scry computed from the kernel) with
// this kernel's. Any difference refuses the program, naming the first one: a program reading
// struct fields at the wrong offsets would report wrong values without an error.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/manifest.h"
#include "src/ast/ast.h"
#include "src/probes/probes.h"

namespace scry {

// Per probe (its full name), one line per kernel fact its block relies on, with its place.
using LayoutFacts = std::map<std::string, std::vector<std::string>>;

struct ProgramFile {
  std::string version;  // the scry that compiled it
  std::string kernel;   // the release it was compiled on (for messages)
  std::string source, filename;
  std::vector<std::string> params;  // given at compile time (none: Manifest::runtime_params)
  nlohmann::json options;           // the compile options (compile_options_json)
  LayoutFacts layout;
  Manifest manifest;
  std::vector<uint8_t> elf;
};

// Whether a script file's text is a compiled program.
bool is_program_file(const std::string& text);
std::string program_file_bytes(const ProgramFile& p);
bool parse_program_file(const std::string& bytes, ProgramFile& p, std::string& error);

LayoutFacts layout_facts(const Program& prog, const std::vector<ProbeInstance>& instances);

// The first fact of `compiled` that `here` does not have alike (an empty message when all
// agree), with its place in the script. Probes missing here are left out: attaching them
// reports them.
struct LayoutDifference {
  Loc loc;
  std::string probe, message;
};
LayoutDifference layout_difference(const LayoutFacts& compiled, const LayoutFacts& here);

}  // namespace scry
