// The one registry of builtins and functions. Each entry holds a builtin's whole behaviour:
// its name and signature, its type rule (sema), its lowering (codegen) and, when its values
// print in a way of their own, its printer (runtime). Entries live in family files
// (src/builtins/process.cpp, strings.cpp, maps.cpp, ...); adding a builtin adds one entry there.
//
// A family file is compiled twice: into scry (type rules, printers, docs) and into the code
// generator plugin (lowerings), with SCRY_CODEGEN defined. TYPING/PRINTING/LOWERING keep only
// the part each build uses, so scry never links LLVM and the plugin never links the type rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "src/ast/ast.h"
#include "src/types/type.h"

namespace llvm {
class Value;
}

namespace scry {

class Sema;
class CodeGen;
struct ValueNames;

#ifdef SCRY_CODEGEN
#define SCRY_BUILTINS_SIDE codegen_side
#define TYPING(...) nullptr
#define PRINTING(...) nullptr
#define LOWERING(...) __VA_ARGS__
#else
#define SCRY_BUILTINS_SIDE front_side
#define TYPING(...) __VA_ARGS__
#define PRINTING(...) __VA_ARGS__
#define LOWERING(...) nullptr
#endif
// The same two sides for the probe providers (src/probes/provider.h): what scry uses
// (expanding, listing, typing) and what the plugin uses (sections, lowering).
#define FRONT_SIDE(...) TYPING(__VA_ARGS__)
#define PLUGIN_SIDE(...) LOWERING(__VA_ARGS__)

// Each build has its own copy of the registry (the two builds see different members of the
// entries): an inline namespace keeps their symbols apart.
inline namespace SCRY_BUILTINS_SIDE {

enum class Form : uint8_t {
  Identifier,   // pid, comm, args, arg0 (a name, no parentheses)
  Value,        // ksym(addr), str(p): a call with a value
  Statement,    // printf(...), exit(): a call without a value
  Aggregation,  // @m = count(): only as the value assigned to a map
};

// Sema: checks the arguments and returns the type of the value (Type::none() after reporting
// an error). May rewrite the expression (a literal folded in, a slot in a Manifest table).
using TypeRule = Type (*)(Sema& s, Expr& e);
// Codegen: the value (i64, or a pointer to a buffer for buffer types), or the statement's
// effect (the result is ignored). For aggregations, `map` is the map assigned to.
using Lowering = llvm::Value* (*)(CodeGen& cg, const Expr& e, const Expr* map);
// Runtime: the text of a value of a type this builtin makes (TypeKind::Special, named by the
// entry's value_kind): `p` points at t.size bytes.
using Printer = std::string (*)(const Type& t, const uint8_t* p, const ValueNames& names);

struct Builtin {
  const char* name;
  Form form;
  int min_args = 0, max_args = 0;
  const char* signature;  // as --help shows it: "ksym(addr)", "@m = count()"
  const char* doc;        // one line
  TypeRule type = nullptr;
  Lowering lower = nullptr;
  const char* value_kind = nullptr;  // the Special type its values have, printed by `print`
  Printer print = nullptr;
  // Reads the probe's context (arguments, registers, stacks): not available in the body of
  // a for loop over a map, which runs as a callback without it.
  bool reads_context = false;
  // Identifier entries named "argN": the name is the prefix, digits follow ("arg0", "sarg3").
  bool numbered = false;
};

// Every entry, family by family (the order --help lists them in).
const std::vector<const Builtin*>& all_builtins();
// The entry for an identifier ("pid", "arg3"); nullptr if there is none.
const Builtin* find_identifier(const std::string& name);
// The entry for a call ("ksym", "printf", "count"); nullptr if there is none.
const Builtin* find_call(const std::string& name);
// The printer of a Special type's kind; nullptr if none.
Printer find_printer(const std::string& value_kind);
// For "argN"-style entries: N, or -1 if `name` is not the prefix followed by digits.
int numbered_suffix(const std::string& name, const char* prefix);

// The families (one file each).
const std::vector<Builtin>& process_builtins();
const std::vector<Builtin>& probe_builtins();
const std::vector<Builtin>& time_builtins();
const std::vector<Builtin>& string_builtins();
const std::vector<Builtin>& output_builtins();
const std::vector<Builtin>& map_builtins();
const std::vector<Builtin>& stack_builtins();
const std::vector<Builtin>& network_builtins();
const std::vector<Builtin>& system_builtins();

}  // namespace SCRY_BUILTINS_SIDE

// Makes the runtime print Special values with the registry's printers (scry calls it once,
// before anything prints; so do tests of the printers).
void install_builtin_printers();

}  // namespace scry
