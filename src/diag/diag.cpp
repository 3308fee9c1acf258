#include "src/diag/diag.h"

#include <algorithm>

namespace scry {

namespace {
struct KindInfo {
  const char* id;
  Severity sev;
};
const KindInfo kKinds[] = {
#define DIAG(name, id, sev) {id, Severity::sev},
#include "src/diag/kinds.def"
#undef DIAG
};
}  // namespace

const char* diag_id(DiagKind k) { return kKinds[int(k)].id; }
Severity diag_severity(DiagKind k) { return kKinds[int(k)].sev; }

Diagnostics::Diagnostics(std::string filename, std::string source)
    : filename_(std::move(filename)), source_(std::move(source)) {}

Diagnostic& Diagnostics::report(DiagKind k, Loc loc, std::string message) {
  if (diag_severity(k) == Severity::Error) errors_++;
  diags_.push_back(Diagnostic{k, loc, std::move(message), {}});
  return diags_.back();
}

std::string Diagnostics::source_line(int line) const {
  size_t pos = 0;
  for (int l = 1; l < line; l++) {
    pos = source_.find('\n', pos);
    if (pos == std::string::npos) return "";
    pos++;
  }
  size_t end = source_.find('\n', pos);
  return source_.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

std::string Diagnostics::render(const Diagnostic& d) const {
  const char* sev = diag_severity(d.kind) == Severity::Error ? "error" : "warning";
  std::string out = filename_;
  if (d.loc.line > 0)
    out += ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.col);
  out += std::string(": ") + sev + ": " + d.message + " [" + diag_id(d.kind) + "]\n";
  if (d.loc.line > 0) {
    std::string text = source_line(d.loc.line);
    out += text + "\n";
    // Caret under the first column, tildes to the end of the range on the same line.
    std::string mark;
    int start = std::max(d.loc.col, 1);
    int end = d.loc.end_line == d.loc.line ? std::max(d.loc.end_col, start) : int(text.size());
    if (end < start) end = start;
    for (int c = 1; c < start; c++)
      mark += (c - 1 < int(text.size()) && text[c - 1] == '\t') ? '\t' : ' ';
    mark += '^';
    for (int c = start + 1; c <= end; c++) mark += '~';
    out += mark + "\n";
  }
  for (auto& n : d.notes) out += filename_ + ": note: " + n + "\n";
  return out;
}

std::string Diagnostics::render() const {
  std::string out;
  for (auto& d : diags_) out += render(d);
  return out;
}

}  // namespace scry
