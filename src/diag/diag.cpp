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
  bool is_error = diag_severity(k) == Severity::Error;
  if (is_error) errors_++;
  // Past the cap the rest are counted, not kept: 20,000 bad attach points must not become
  // gigabytes of messages.
  if (diags_.size() >= kMaxDiagnostics) {
    if (diags_.size() == kMaxDiagnostics)
      diags_.push_back(Diagnostic{DiagKind::LimitExceeded, Loc{},
                                  "too many errors: only the first " + std::to_string(kMaxDiagnostics) + " are shown", {}});
    dropped_ = Diagnostic{k, loc, {}, {}};
    return dropped_;
  }
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
    int start = std::max(d.loc.col, 1);
    int end = d.loc.end_line == d.loc.line ? std::max(d.loc.end_col, start) : int(text.size());
    if (end < start) end = start;
    // A long line is shown around the caret only, "..." for the rest.
    constexpr int kShown = 160, kBefore = 60;
    if (int(text.size()) > kShown) {
      int from = std::max(0, start - 1 - kBefore);
      int to = std::min(int(text.size()), from + kShown);
      std::string cut = (from ? "..." : "") + text.substr(size_t(from), size_t(to - from)) +
                        (to < int(text.size()) ? "..." : "");
      int shift = (from ? 3 : 0) - from;
      start += shift;
      end = std::min(end + shift, int(cut.size()));
      text = cut;
    }
    out += text + "\n";
    // Caret under the first column, tildes to the end of the range on the same line.
    std::string mark;
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
