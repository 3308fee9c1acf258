// The syntax tree. Every node carries its source location; sema fills in types.
#pragma once
#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/types/type.h"

namespace scry {

// 1-based, columns count bytes; end is inclusive of the last character.
struct Loc {
  int line = 0, col = 0, end_line = 0, end_col = 0;
};

enum class ExprKind {
  Int,         // ival
  Str,         // str
  Var,         // $name            (name)
  Map,         // @name[keys...]   (name, args = keys)
  Builtin,     // pid, comm, args  (name)
  Positional,  // $1..$N           (ival)
  ParamCount,  // $#
  Call,        // name(args...)
  Binop,       // args[0] op args[1]
  Unop,        // op args[0]
  Ternary,     // args[0] ? args[1] : args[2]
  Field,       // args[0]->name or args[0].name (name "0", "1"... on a tuple)
  Cast,        // (str) args[0]: str is the type as written, "struct task_struct *"
  Deref,       // *args[0]
  Index,       // args[0][args[1]]
  Tuple,       // (args[0], args[1], ...)
  Sizeof,      // sizeof(str) for a type, or sizeof(args[0])
  Offsetof,    // offsetof(str, op): str the record type, op the member path ("a.b")
  IncDec,      // ++args[0], args[0]-- ...: op "++" or "--", str "pre" or "post"; args[0] a
               // variable or a map; ival the step (sema: 1, or a pointer's element size)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  Loc loc;
  int64_t ival = 0;
  std::string str;   // literal text, or the name of a var/map/builtin/call/field
  std::string op;    // operator text for Binop/Unop; "->" or "." for Field
  std::vector<ExprPtr> args;

  // Filled in by sema.
  Type type;
  int map_id = -1;    // Map: index into the program's map table
  int slot = -1;      // Call/Field: index of a printf format, tracepoint field, etc.
  // Field of a BTF record: byte offset; for bitfields the shift and width (see KernelBtf).
  uint32_t field_offset = 0, field_shift = 0, field_bits = 0;

  Expr(ExprKind k, Loc l) : kind(k), loc(l) {}
};

enum class StmtKind {
  ExprStmt,  // value
  Assign,    // target op value, op is "=" or a compound operator like "+="
  If,        // if (value) body else else_body
  While,     // while (value) body
  Unroll,    // unroll (count) body
  ForRange,  // for (target : value .. value2) body
  ForMap,    // for (target, value2 : value) body   -- $key, $value : @map
  Break,
  Continue,
  Return,
  Let,       // let target [= value]   (value may be null)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Stmt {
  StmtKind kind;
  Loc loc;
  std::string op;
  ExprPtr target;
  ExprPtr value;
  ExprPtr value2;     // ForRange: the end
  int64_t count = 0;  // Unroll
  int64_t scale = 1;  // Assign: `p += n` on a pointer moves by n elements of this many bytes
  Block body, else_body;
  Stmt(StmtKind k, Loc l) : kind(k), loc(l) {}
};

struct AttachPoint {
  std::string text;  // as written, e.g. "tracepoint:syscalls:sys_enter_*"
  Loc loc;
};

struct Probe {
  // Filled in by sema: the largest value each variable ever holds, so that one stack slot
  // fits every assignment.
  std::map<std::string, uint32_t> var_sizes;
  std::vector<AttachPoint> attach_points;
  ExprPtr predicate;  // may be null
  Block body;
  Loc loc;
};

struct Program {
  std::vector<Probe> probes;
};

ExprPtr make_expr(ExprKind k, Loc l);
ExprPtr make_binop(std::string op, ExprPtr lhs, ExprPtr rhs, Loc l);
ExprPtr make_unop(std::string op, ExprPtr operand, Loc l);
ExprPtr make_incdec(std::string op, bool prefix, ExprPtr target, Loc l);
// An expression used as a statement; `c ? a : b;` becomes `if (c) { a; } else { b; }`, so that
// its branches may be statements such as printf() (as bpftrace allows).
StmtPtr make_expr_stmt(ExprPtr e);

// How deeply the program's expressions and statements nest, and the deepest node's place.
// Iterative: a program too deep for the compiler's recursive passes can still be measured.
size_t nesting_depth(const Program& p, Loc& deepest);
// Whether any expression of the probe's predicate or block matches (an iterative walk).
bool probe_mentions(const Probe& p, const std::function<bool(const Expr&)>& match);
// Destroys the program's nodes one by one, without recursion (for a program too deep).
void destroy_flat(Program& p);

// Deep copies (types and sema's annotations included).
ExprPtr clone(const Expr& e);
Block clone(const Block& b);
Probe clone(const Probe& p);

// Each attached probe is typed and compiled on its own copy of its block: the same text means
// different things on different probes (args, argN, retval, func), and one shared tree would
// keep the types of whichever probe was checked last. The first user of a block keeps it; the
// others get copies appended to prog.probes, and their indexes are pointed at them. Each
// block is then named after its probe alone.
struct BlockUser {
  size_t* index;     // into prog.probes
  std::string name;  // the probe's full name
};
void give_each_instance_its_block(Program& prog, const std::vector<BlockUser>& users);

// --dump=ast: an indented tree with locations (and types once sema has run).
std::string dump_ast(const Program& prog, bool with_types);

}  // namespace scry
