// State shared by the Flex lexer and the Bison parser for one parse.
#pragma once
#include <string>
#include <vector>

#include "src/ast/ast.h"
#include "src/diag/diag.h"

namespace scry {

struct ParseContext {
  Diagnostics& diags;
  Program program;
  // Lexer state: nesting of braces in probe bodies, parentheses in predicates.
  int brace_depth = 0;
  int pred_paren_depth = 0;
  int saved_state = 0;
  std::vector<Loc> open_braces;  // where each unclosed '{' is, for "missing }" errors  // lexer start condition to return to after a comment or string
  std::string str_buf;
  int str_line = 0, str_col = 0;
  explicit ParseContext(Diagnostics& d) : diags(d) {}
};

// Parses `source` (the script text) into ctx.program; errors go to ctx.diags.
// Returns false if any syntax error was reported.
bool parse_program(const std::string& source, ParseContext& ctx);

}  // namespace scry
