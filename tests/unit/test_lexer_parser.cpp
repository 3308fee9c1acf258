// Lexer and parser: the AST dump of small programs, and located syntax errors.
#include <catch2/catch.hpp>

#include "grammar/parse_context.h"

using namespace scry;

static std::string parse_dump(const std::string& src, std::string* errors = nullptr) {
  Diagnostics d("test.bt", src);
  ParseContext pc(d);
  parse_program(src, pc);
  if (errors) *errors = d.render();
  return dump_ast(pc.program, false);
}

TEST_CASE("a probe with a predicate and a map assignment") {
  std::string errors;
  auto dump = parse_dump("tracepoint:syscalls:sys_enter_openat /pid == 42/ { @[comm] = count(); }", &errors);
  CHECK(errors.empty());
  CHECK(dump ==
        "program\n"
        "  probe tracepoint:syscalls:sys_enter_openat <1:1>\n"
        "    predicate <1:39>\n"
        "      binop == <1:39>\n"
        "        builtin pid <1:39>\n"
        "        int 42 <1:46>\n"
        "    assign = <1:52>\n"
        "      map @ <1:52>\n"
        "        builtin comm <1:54>\n"
        "      call count <1:62>\n");
}

TEST_CASE("several attach points, comments and a shebang-free script") {
  std::string errors;
  auto dump = parse_dump("// c\nBEGIN, interval:s:1 /* x */ { $x = 1 + 2 * 3; }", &errors);
  CHECK(errors.empty());
  CHECK(dump.find("probe BEGIN, interval:s:1 <2:1>") != std::string::npos);
  CHECK(dump.find("binop + <2:36>") != std::string::npos);
  CHECK(dump.find("binop * <2:40>") != std::string::npos);
}

TEST_CASE("precedence: shifts bind tighter than comparisons, && than ||") {
  auto dump = parse_dump("BEGIN { $x = 1 << 2 < 3 || 4 && 5; }");
  size_t lor = dump.find("binop ||"), land = dump.find("binop &&"), lt = dump.find("binop <"),
         shl = dump.find("binop <<");
  REQUIRE(lor != std::string::npos);
  CHECK(lor < lt);
  CHECK(lt < shl);
  CHECK(lor < land);
}

TEST_CASE("a predicate may divide inside parentheses") {
  std::string errors;
  auto dump = parse_dump("BEGIN /(10 / 2) == 5/ { exit(); }", &errors);
  CHECK(errors.empty());
  CHECK(dump.find("binop /") != std::string::npos);
}

TEST_CASE("if / else if / else and compound assignment") {
  std::string errors;
  auto dump = parse_dump("BEGIN { if ($1 > 0) { @a += 2; } else if ($1 < 0) { @a--; } else { @a++ } }", &errors);
  CHECK(errors.empty());
  CHECK(dump.find("assign += <1:23>") != std::string::npos);
  CHECK(dump.find("incdec post-- <1:53>") != std::string::npos);
  CHECK(dump.find("incdec post++ <1:68>") != std::string::npos);
}

TEST_CASE("++ and -- before and after variables and maps, inside expressions") {
  std::string errors;
  auto dump = parse_dump("BEGIN { f($x++, --$y, ++@m[1], @n--); $z = $a++ + 1; }", &errors);
  CHECK(errors.empty());
  for (const char* want : {"incdec post++ <1:11>", "incdec pre-- <1:17>", "incdec pre++ <1:23>",
                           "incdec post-- <1:32>", "binop + <1:44>"})
    CHECK(dump.find(want) != std::string::npos);
}

TEST_CASE("string escapes") {
  std::string errors;
  auto dump = parse_dump(R"(BEGIN { printf("a\tb\n\x41\101\"\\"); })", &errors);
  CHECK(errors.empty());
  CHECK(dump.find(R"(string "a\tb\nAA\"\\")") != std::string::npos);
}

TEST_CASE("an unterminated string is located at its quote") {
  std::string errors;
  parse_dump("BEGIN { printf(\"abc); }\n", &errors);
  CHECK(errors.find("test.bt:1:16: error: unterminated string [E0002]") == 0);
}

TEST_CASE("a missing brace is a located syntax error") {
  std::string errors;
  parse_dump("BEGIN { @x = 1;\n", &errors);
  CHECK(errors.find("test.bt:2:1: error: syntax error, unexpected end of file") == 0);
}

TEST_CASE("several syntax errors are reported in one run") {
  std::string errors;
  parse_dump("BEGIN { @x = ; @y = 1; @z = ) ; }", &errors);
  size_t first = errors.find("error:");
  REQUIRE(first != std::string::npos);
  CHECK(errors.find("error:", first + 1) != std::string::npos);
}

TEST_CASE("an integer literal out of range") {
  std::string errors;
  parse_dump("BEGIN { @x = 99999999999999999999999; }", &errors);
  CHECK(errors.find("error: integer literal '99999999999999999999999' is out of range [E0004]") != std::string::npos);
}
