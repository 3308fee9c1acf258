// Diagnostics: one registry of kinds with stable ids (kinds.def), clang-style rendering.
#pragma once
#include <string>
#include <vector>

#include "src/ast/ast.h"

namespace scry {

enum class Severity { Error, Warning, Note };

enum class DiagKind {
#define DIAG(name, id, sev) name,
#include "src/diag/kinds.def"
#undef DIAG
};

const char* diag_id(DiagKind k);
Severity diag_severity(DiagKind k);

struct Diagnostic {
  DiagKind kind;
  Loc loc;             // line 0 means "no location"
  std::string message;
  std::vector<std::string> notes;
};

// Collects diagnostics for one source text and renders them:
//   file:line:col: error: message [E0014]
//   <the source line>
//       ^~~~~
class Diagnostics {
 public:
  Diagnostics(std::string filename, std::string source);
  Diagnostic& report(DiagKind k, Loc loc, std::string message);
  bool has_errors() const { return errors_ > 0; }
  int error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return diags_; }
  std::string render() const;
  std::string render(const Diagnostic& d) const;
  const std::string& filename() const { return filename_; }
  const std::string& source() const { return source_; }
  std::string source_line(int line) const;

 private:
  std::string filename_, source_;
  std::vector<Diagnostic> diags_;
  Diagnostic dropped_;  // what report() hands back past the cap
  static constexpr size_t kMaxDiagnostics = 20;
  int errors_ = 0;
};

}  // namespace scry
