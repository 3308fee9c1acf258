// Preprocessor for the C-preprocessor lines and C type definitions that may start a script:
// #include is recorded (types come from BTF), #define/#undef macros are expanded in the code,
// #if/#ifdef/#ifndef/#elif/#else/#endif select lines, and top-level struct/union/enum
// definitions are moved out of the text. Line numbers are kept: removed lines become empty.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace scry {

struct PreprocessResult {
  std::string text;                   // same number of lines as the input
  std::vector<std::string> includes;  // header names of active #include lines, in order
  std::vector<int> include_lines;     // the line of each (1-based)
  struct CDefinition {
    std::string text;  // as written (after conditionals and macro expansion)
    int line;          // 1-based line of its first line
  };
  std::vector<CDefinition> c_definitions;
  struct Error {
    int line, col;  // 1-based
    std::string message;
  };
  std::vector<Error> errors;
};

// `predefined` maps macro names to their (object-like) replacement, e.g. {"BPFTRACE_HAVE_BTF", "1"}.
PreprocessResult preprocess(const std::string& source,
                            const std::map<std::string, std::string>& predefined);

}  // namespace scry
