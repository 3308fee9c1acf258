// Semantic analysis: resolves names, infers and checks types, fixes map key/value types,
// and fills the Manifest's map, printf and time tables.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "src/ast/ast.h"
#include "src/diag/diag.h"
#include "src/builtins/builtins.h"
#include "src/probes/probes.h"

namespace scry {

// Functions that produce a value (the others are statements).
bool returns_value(FunctionId id);

struct SemaOptions {
  bool unsafe = false;  // --unsafe: allow system() and signal()
  std::vector<std::string> params;  // positional parameters $1..$N
  uint32_t map_max_entries = 4096;
  uint32_t default_strlen = 64;
};

bool run_sema(Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              const SemaOptions& opts, Diagnostics& diags);

// Internal state, shared by sema.cpp (statements, maps) and sema_expr.cpp (expressions).
class Sema {
 public:
  Sema(Program& p, Manifest& m, const SemaOptions& o, Diagnostics& d)
      : prog_(p), manifest_(m), opts_(o), diags_(d) {}
  bool run(const std::vector<ProbeInstance>& instances);

 private:
  struct MapInfo {
    int id = -1;
    Type key, value;
    bool key_known = false, value_known = false;
    Loc key_loc, value_loc;
  };

  // Statements and maps (sema.cpp).
  void check_block(Block& b);
  void check_stmt(Stmt& s);
  void check_assign(Stmt& s);
  void check_cond(Expr& e, const char* what);
  void assign_var(Expr& target, const Type& t, const Loc& where);
  void check_map_assign(Stmt& s);
  void check_aggregation(Stmt& s, Expr& call);
  MapInfo& map_info(const Expr& map);
  Type map_key_type(Expr& map);
  void use_map_key(Expr& map);
  void set_map_value(Expr& map, const Type& t, const Loc& where);
  void finish_maps();
  // A whole struct, union or array used as a value (stored, printed, a key): false, with an
  // error, if it is incomplete or bigger than kMaxWholeValue.
  bool check_whole_value(const Type& t, const Loc& where);

  // Expressions and calls (sema_expr.cpp).
  Type check_expr(Expr& e);
  Type check_binop(Expr& e);
  Type check_incdec(Expr& e);
  void positional_as_string(Expr& e);
  Type check_call(Expr& e, bool as_statement);
  // Builtins, BTF-typed values and the functions with values (sema_builtins.cpp).
  Type check_builtin(Expr& e);
  Type check_field(Expr& e);
  Type check_cast(Expr& e);
  Type check_deref_index(Expr& e);
  Type check_sizeof_offsetof(Expr& e);
  Type check_value_call(Expr& e, const FunctionInfo* f);
  Type check_stack_call(Expr& e, TypeKind kind);
  Type check_reg_call(Expr& e);
  void check_output_call(Expr& e, const FunctionInfo* f);
  Type parse_type_name(const std::string& name, const Loc& where);
  bool record_member(const Type& record, const std::string& name, const Loc& where, Expr* out_field,
                     Type& out);
  Type check_map_read(Expr& e);
  void check_printf(Expr& e);
  bool check_map_arg(Expr& call, size_t i, bool allow_keys);
  bool literal_int(Expr& e, int64_t& out);

  void error(DiagKind k, const Loc& l, const std::string& msg, std::string note = "");

  Program& prog_;
  Manifest& manifest_;
  const SemaOptions& opts_;
  Diagnostics& diags_;
  bool reporting_ = false;
  bool tentative_ints_ = false;  // an unknown map read is an integer (pass 1)  // pass 0 only collects map types; pass 1 reports
  const ProbeInstance* cur_ = nullptr;
  std::map<std::string, Type> vars_;
  int loop_depth_ = 0;  // break/continue are valid only inside while/for
  bool in_callback_ = false;  // in the body of a for loop over a map
  std::map<std::string, MapInfo> maps_;
  std::set<std::string> reported_;  // each diagnostic once, even if a block has many probes
};

// The type a value has once stored (in a map, variable, tuple or event): integers widen to
// 64 bits; records and arrays are laid out from BTF and live in BPF memory.
Type storage_type(const Type& t);
// A whole struct or array copied as a value: its bytes are copied into BPF memory (a stack
// buffer, the scratch map, a map value and a ring buffer record), so they are bounded.
constexpr uint32_t kMaxWholeValue = 4096;

}  // namespace scry
