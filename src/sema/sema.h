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
#include "src/builtins/builtin.h"
#include "src/probes/probes.h"

namespace scry {

struct SemaOptions {
  bool unsafe = false;  // --unsafe: allow system() and signal()
  std::vector<std::string> params;  // positional parameters $1..$N
  uint32_t map_max_entries = 4096;
  uint32_t default_strlen = 64;
  StackMode default_stack_mode = StackMode::Bpftrace;
  // Kernel memory a map may take (its entries are allocated when it is created: per-CPU
  // values once per possible CPU); 0: no limit.
  uint64_t map_memory_budget = 0;
  uint32_t possible_cpus = 1;  // BPFTRACE_STACK_MODE: kstack/ustack without a mode
  // scry --compile without parameters: $N and $# are numbers read when the program runs.
  bool runtime_params = false;
  bool hist_sums = false;  // --metrics, --compile: histograms keep their values' sum (MapSpec::hist_sum)
};

bool run_sema(Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              const SemaOptions& opts, Diagnostics& diags);

// Semantic analysis of one program: sema.cpp (statements and maps), sema_expr.cpp
// (expressions, dispatching builtins to their registry entries), sema_types.cpp (BTF-typed
// values). The builtins' type rules (src/builtins/) use the public part.
class Sema {
 public:
  Sema(Program& p, Manifest& m, const SemaOptions& o, Diagnostics& d)
      : prog_(p), manifest_(m), opts_(o), diags_(d) {}
  bool run(const std::vector<ProbeInstance>& instances);

  // --- For the builtins' type rules ---
  Type check_expr(Expr& e);
  void error(DiagKind k, const Loc& l, const std::string& msg, std::string note = "");
  // Checks argument i of a call: its type, or none (an error was reported).
  Type arg(Expr& call, size_t i) { return check_expr(*call.args[i]); }
  // Reports "NAME() needs WHAT, not TYPE" at argument i unless `ok`.
  bool need(Expr& call, size_t i, bool ok, const std::string& what);
  // A string literal argument, or an error saying "NAME() takes WHAT as a string literal".
  bool literal_str(Expr& call, size_t i, const std::string& what);
  bool literal_int(Expr& e, int64_t& out);
  // The call becomes the unsigned constant `value` (addresses, sizes known at compile time).
  static Type fold_unsigned(Expr& e, uint64_t value);
  Type parse_type_name(const std::string& name, const Loc& where);
  // A format and its arguments (printf, cat, system, debugf): the conversions match the
  // arguments. With `record`, the format goes into the manifest for the runtime to print.
  void check_printf(Expr& e, bool record = true);
  // str($1), str($1 + N): the parameter's text (from byte N) as a string literal.
  void positional_as_string(Expr& e);
  void positional_literal(Expr& e);
  bool check_map_arg(Expr& call, size_t i, bool allow_keys);
  void use_map_key(Expr& map);
  // len(), has_key() and for loops see a map's entries one by one; a histogram's entries are
  // its buckets (MapSpec::bucketed): refused, true if `map` is one.
  bool refuse_histogram(const Expr& map, const std::string& what);
  // A whole struct, union or array used as a value (stored, printed, a key): false, with an
  // error, if it is incomplete or bigger than kMaxWholeValue.
  bool check_whole_value(const Type& t, const Loc& where);
  const ProbeInstance& probe() const { return *cur_; }
  const SemaOptions& options() const { return opts_; }
  Manifest& manifest() { return manifest_; }
  // Manifest tables are filled once, on the pass that reports (sema checks everything three
  // times, see run()).
  bool final_pass() const { return reporting_; }
  // Appends `value` to a Manifest table on the final pass and stores its index in e.slot.
  template <typename T>
  void add_slot(Expr& e, std::vector<T>& table, T value) {
    if (!reporting_ || e.slot >= 0) return;
    e.slot = int(table.size());
    table.push_back(std::move(value));
  }

 private:
  void check_map_memory(const MapSpec& spec, const Loc& at);
  struct MapInfo {
    int id = -1;
    Type key, value;
    std::vector<std::string> key_names;  // MapSpec::key_names, from the first use
    bool key_known = false, value_known = false;
    Loc key_loc, value_loc;
  };

  // Statements and maps (sema.cpp).
  void check_block(Block& b);
  void check_stmt(Stmt& s);
  void check_assign(Stmt& s);
  bool pointer_step(Stmt& s, const Type& target, const Type& value);
  void check_cond(Expr& e, const char* what);
  void assign_var(Expr& target, const Type& t, const Loc& where);
  void check_map_assign(Stmt& s);
  void check_aggregation(Stmt& s, Expr& call);
  MapInfo& map_info(const Expr& map);
  Type map_key_type(Expr& map);
  void set_map_value(Expr& map, const Type& t, const Loc& where);
  void finish_maps();

  // Expressions and calls (sema_expr.cpp).
  Type check_binop(Expr& e);
  void warn_signedness(const Expr& e, const Type& l, const Type& r);
  Type check_incdec(Expr& e);
  Type check_call(Expr& e, bool as_statement);
  bool check_arg_count(Expr& e, const Builtin& b);
  Type check_builtin(Expr& e);
  Type check_map_read(Expr& e);
  // BTF-typed values (sema_types.cpp).
  Type check_field(Expr& e);
  Type check_cast(Expr& e);
  Type check_deref_index(Expr& e);
  Type check_sizeof_offsetof(Expr& e);
  bool record_member(const Type& record, const std::string& name, const Loc& where, Expr* out_field,
                     Type& out);

  Program& prog_;
  Manifest& manifest_;
  const SemaOptions& opts_;
  Diagnostics& diags_;
  bool reporting_ = false;
  bool tentative_ints_ = false;  // pass 1: a map read before any write is an integer
  const ProbeInstance* cur_ = nullptr;
  std::map<std::string, Type> vars_;
  int loop_depth_ = 0;  // break/continue are valid only inside while/for
  bool in_callback_ = false;  // in the body of a for loop over a map
  std::map<std::string, MapInfo> maps_;
  std::set<std::string> reported_;  // each diagnostic once, even if a block has many probes
};

// A constant a script may use by name: an enumerator from BTF, or one of the #define
// constants of the headers bpftrace tools include (BTF does not carry macros).
bool named_constant(const std::string& name, int64_t& out);

// The type a value has once stored (in a map, variable, tuple or event): integers widen to
// 64 bits; records and arrays are laid out from BTF and live in BPF memory.
Type storage_type(const Type& t);
// The same inside a tuple, where integers keep their size (a C struct's layout, as bpftrace's).
Type tuple_element_type(const Type& t);
// A whole struct or array copied as a value: its bytes are copied into BPF memory (a stack
// buffer, the scratch map, a map value and a ring buffer record), so they are bounded.
constexpr uint32_t kMaxWholeValue = 4096;
// Arrays compare word by word, unrolled: 512 bytes is 64 compares in the program.
constexpr uint32_t kMaxArrayCompare = 512;

}  // namespace scry
