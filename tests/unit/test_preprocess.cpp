// Preprocessor: #include/#define/#undef/conditionals, macro expansion and top-level C definitions.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/preprocess/preprocess.h"

using namespace scry;

namespace {

const std::map<std::string, std::string> kBtf = {{"BPFTRACE_HAVE_BTF", "1"}};

PreprocessResult pp(const std::string& src, const std::map<std::string, std::string>& pre = kBtf) {
  return preprocess(src, pre);
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '\n') out.push_back(cur), cur.clear();
    else cur += c;
  }
  out.push_back(cur);
  return out;
}

bool has_error(const PreprocessResult& r, const std::string& msg, int line = 0) {
  for (auto& e : r.errors)
    if (e.message.find(msg) != std::string::npos && (line == 0 || e.line == line)) return true;
  return false;
}

}  // namespace

TEST_CASE("#include lines are recorded and blanked, line count kept") {
  auto r = pp("#include <linux/sched.h>\n  #include \"my/types.h\" // why\nBEGIN { @x = 1; }\n");
  CHECK(r.errors.empty());
  CHECK(r.includes == std::vector<std::string>{"linux/sched.h", "my/types.h"});
  CHECK(r.text == "\n\nBEGIN { @x = 1; }\n");
}

TEST_CASE("#include with a bad argument is an error") {
  auto r = pp("BEGIN {}\n#include linux/sched.h\n#include <>\n#include <a.h> junk\n");
  CHECK(has_error(r, "#include expects <FILE> or \"FILE\"", 2));
  CHECK(has_error(r, "#include expects <FILE> or \"FILE\"", 3));
  CHECK(has_error(r, "#include expects <FILE> or \"FILE\"", 4));
  CHECK(r.errors[0].col == 1);
  CHECK(r.includes.empty());
}

TEST_CASE("object-like macros expand in code but not in strings, comments, $vars or @maps") {
  auto r = pp("#define MAX 10\n#define EMPTY\n"
              "BEGIN {\n"
              "  @x = MAX; $y = MAX + 1 EMPTY;\n"
              "  printf(\"MAX %d\\n\", MAX); // MAX here\n"
              "  /* MAX */ $MAX = @MAX; @m[MAX] = MAXIMUM;\n"
              "  $keep = 1;\n"
              "}\n");
  CHECK(r.errors.empty());
  auto l = lines_of(r.text);
  REQUIRE(l.size() == 9);
  CHECK(l[0].empty());
  CHECK(l[1].empty());
  CHECK(l[3] == "  @x = 10; $y = 10 + 1 ;");
  CHECK(l[4] == "  printf(\"MAX %d\\n\", 10); // MAX here");
  CHECK(l[5] == "  /* MAX */ $MAX = @MAX; @m[10] = MAXIMUM;");
  CHECK(l[6] == "  $keep = 1;");  // columns untouched
}

TEST_CASE("function-like macros, nested calls, and a name without arguments") {
  auto r = pp("#define MAX(a, b) ((a) > (b) ? (a) : (b))\n#define SQ(x) ((x) * (x))\n#define ZERO() 0\n"
              "BEGIN { $m = MAX(SQ(2), MAX(3, \"a,b\")); $z = ZERO(); $n = MAX; $s = SQ (f(1, 2)); }\n");
  CHECK(r.errors.empty());
  CHECK(lines_of(r.text)[3] ==
        "BEGIN { $m = ((((2) * (2))) > (((3) > (\"a,b\") ? (3) : (\"a,b\"))) ? (((2) * (2))) : "
        "(((3) > (\"a,b\") ? (3) : (\"a,b\")))); $z = 0; $n = MAX; $s = ((f(1, 2)) * (f(1, 2))); }");
}

TEST_CASE("wrong macro argument counts are errors and leave the call as written") {
  auto r = pp("#define TWO(a, b) a b\n#define NONE() 0\n"
              "BEGIN { TWO(1); NONE(2); TWO((1, 2), 3); }\n");
  CHECK(lines_of(r.text)[2] == "BEGIN { TWO(1); NONE(2); (1, 2) 3; }");
  CHECK(has_error(r, "macro 'TWO' requires 2 argument(s), but 1 given", 3));
  CHECK(has_error(r, "macro 'NONE' requires 0 argument(s), but 1 given", 3));
  CHECK(r.errors.size() == 2);
  CHECK(r.errors[0].col == 9);
}

TEST_CASE("nested expansion terminates on self-reference and mutual recursion") {
  auto r = pp("#define A B + 1\n#define B C * 2\n#define C 7\n#define SELF SELF + 1\n"
              "#define X Y\n#define Y X\n#define F(x) F(x + 1)\n#define G F\n"
              "BEGIN { $a = A; $s = SELF; $x = X; $f = F(1); $g = G(2); }\n");
  CHECK(r.errors.empty());
  CHECK(lines_of(r.text)[8] ==
        "BEGIN { $a = 7 * 2 + 1; $s = SELF + 1; $x = X; $f = F(1 + 1); $g = F(2 + 1); }");
}

TEST_CASE("#undef and redefinition take effect from their line on") {
  auto r = pp("#define N 1\nBEGIN { @a = N; }\n#undef N\nBEGIN { @b = N; }\n#define N 3\nBEGIN { @c = N; }\n");
  CHECK(r.errors.empty());
  auto l = lines_of(r.text);
  CHECK(l[1] == "BEGIN { @a = 1; }");
  CHECK(l[3] == "BEGIN { @b = N; }");
  CHECK(l[5] == "BEGIN { @c = 3; }");
}

TEST_CASE("#ifdef / #ifndef / #else with a predefined macro") {
  std::string src =
      "#ifndef BPFTRACE_HAVE_BTF\n#include <linux/socket.h>\n#else\n#include <sys/socket.h>\n#endif\n"
      "#ifdef BPFTRACE_HAVE_BTF\nBEGIN { @btf = 1; }\n#endif\n";
  auto with = pp(src);
  CHECK(with.errors.empty());
  CHECK(with.includes == std::vector<std::string>{"sys/socket.h"});
  CHECK(with.text == "\n\n\n\n\n\nBEGIN { @btf = 1; }\n\n");
  auto without = pp(src, {});
  CHECK(without.includes == std::vector<std::string>{"linux/socket.h"});
  CHECK(without.text == "\n\n\n\n\n\n\n\n");
}

TEST_CASE("#if expressions and #elif chains") {
  auto val = [](const std::string& expr) {
    auto r = pp("#define TWO 2\n#define PLUS(a, b) ((a) + (b))\n#if " + expr + "\nyes\n#else\nno\n#endif\n");
    INFO(expr);
    CHECK(r.errors.empty());
    return lines_of(r.text)[3] == "yes";
  };
  CHECK(val("1"));
  CHECK_FALSE(val("0"));
  CHECK(val("defined(TWO) && defined TWO"));
  CHECK_FALSE(val("defined(NOPE) || !defined BPFTRACE_HAVE_BTF"));
  CHECK(val("TWO == 2 && TWO != 3 && 1 < TWO && TWO > 1 && TWO <= 2 && TWO >= 2"));
  CHECK(val("(TWO + 3) - 1 == 4 && -1 < 0"));
  CHECK(val("PLUS(TWO, 0x10) == 18"));
  CHECK(val("UNDEFINED_NAME == 0 && !UNDEFINED_NAME"));
  CHECK_FALSE(val("(1 || 0) && (0 || 0)"));
  CHECK(val("BPFTRACE_HAVE_BTF // trailing comment"));

  auto r = pp("#if 0\na\n#elif TWO\nb\n#elif 1\nc\n#else\nd\n#endif\n");
  CHECK(lines_of(r.text)[5] == "c");
  CHECK(lines_of(r.text)[1].empty());
  CHECK(lines_of(r.text)[3].empty());
  CHECK(lines_of(r.text)[7].empty());
}

TEST_CASE("nested conditionals: an inactive parent disables every branch") {
  auto r = pp("#if 0\n#if 1\na\n#else\nb\n#endif\n#elif 1\n#ifdef NOPE\nc\n#elif 1 + 1 == 2\nd\n#endif\n#endif\n");
  CHECK(r.errors.empty());
  CHECK(r.text == "\n\n\n\n\n\n\n\n\n\nd\n\n\n");
}

TEST_CASE("conditional errors") {
  CHECK(has_error(pp("BEGIN {}\n#endif\n"), "#endif without #if", 2));
  CHECK(has_error(pp("#else\n"), "#else without #if", 1));
  CHECK(has_error(pp("#elif 1\n"), "#elif without #if", 1));
  CHECK(has_error(pp("#if 1\n#else\n#else\n#endif\n"), "#else after #else", 3));
  CHECK(has_error(pp("#if 1\n#else\n#elif 1\n#endif\n"), "#elif after #else", 3));
  auto r = pp("BEGIN {}\n  #ifdef X\n#if 1\n#endif\n");
  CHECK(has_error(r, "unterminated #if", 2));
  CHECK(r.errors[0].col == 3);
  CHECK(has_error(pp("#if 1 +\n#endif\n"), "invalid #if expression", 1));
  CHECK(has_error(pp("#if\n#endif\n"), "#if with no expression", 1));
  CHECK(has_error(pp("#if defined(\n#endif\n"), "operator 'defined' requires an identifier", 1));
  CHECK(has_error(pp("#if 1 / 0\n#endif\n"), "division by zero", 1));
  CHECK(has_error(pp("#ifdef\n#endif\n"), "#ifdef expects a macro name", 1));
}

TEST_CASE("unknown directives are errors only in active code") {
  auto r = pp("BEGIN {}\n#frobnicate now\n#if 0\n#whatever\n#include junk\n#endif\n#error stop here\n#pragma once\n#\n");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].message == "unknown directive '#frobnicate'");
  CHECK(r.errors[1].line == 7);
  CHECK(r.errors[1].message == "#error stop here");
  CHECK(has_error(pp("#define 1X 2\n"), "macro names must be identifiers", 1));
  CHECK(has_error(pp("#define F(a, 1) a\n"), "invalid parameter list", 1));
  CHECK(has_error(pp("#define\n"), "#define expects a macro name", 1));
}

TEST_CASE("comments hide directives; directive lines take comments and leading blanks") {
  auto r = pp("/*\n * tool.bt  Trace things.\n#include <not/this.h>\n # need modifications\n */\n"
              "  #define V 5 /* five */ // really\n"
              "#include <a.h> /* starts a comment\n#include <b.h>\n*/ BEGIN { @v = V; }\n"
              "// #include <c.h>\n");
  CHECK(r.errors.empty());
  CHECK(r.includes == std::vector<std::string>{"a.h"});
  auto l = lines_of(r.text);
  REQUIRE(l.size() == 11);
  CHECK(l[2] == "#include <not/this.h>");
  CHECK(l[5].empty());
  CHECK(l[7] == "#include <b.h>");
  CHECK(l[8] == "*/ BEGIN { @v = 5; }");
  CHECK(l[9] == "// #include <c.h>");
}

TEST_CASE("a #! first line is left alone") {
  auto r = pp("#!/usr/bin/env bpftrace\n#define X 1\nBEGIN { @x = X; }");
  CHECK(r.errors.empty());
  CHECK(r.text == "#!/usr/bin/env bpftrace\n\nBEGIN { @x = 1; }");
  CHECK(has_error(pp("BEGIN {}\n#!/bin/sh\n"), "unknown directive", 2));
}

TEST_CASE("top-level struct/union/enum definitions move to c_definitions") {
  std::string src =
      "#ifndef BPFTRACE_HAVE_BTF\nstruct old { int a; };\n#endif\n"
      "#define LEN 16\n"
      "struct cfs_rq {\n  struct load_weight load;\n  unsigned int nr_running; // }\n  char name[LEN];\n};\n"
      "union u { int i; long l; }; enum e { A = 1, B };\n"
      "BEGIN {\n  struct local { int x; };\n  $p = (struct cfs_rq *)0;\n}\n"
      "kprobe:x { @ = 1; }\n"
      "enum state {\n#ifdef BPFTRACE_HAVE_BTF\n  ON,\n#endif\n  OFF\n} __attribute__((packed));\n";
  auto r = pp(src);
  CHECK(r.errors.empty());
  REQUIRE(r.c_definitions.size() == 4);
  CHECK(r.c_definitions[0].line == 5);
  CHECK(r.c_definitions[0].text ==
        "struct cfs_rq {\n  struct load_weight load;\n  unsigned int nr_running; // }\n  char name[16];\n};");
  CHECK(r.c_definitions[1].line == 10);
  CHECK(r.c_definitions[1].text == "union u { int i; long l; };");
  CHECK(r.c_definitions[2].text == "enum e { A = 1, B };");
  CHECK(r.c_definitions[3].line == 16);
  CHECK(r.c_definitions[3].text == "enum state {\n\n  ON,\n\n  OFF\n} __attribute__((packed));");
  auto l = lines_of(r.text);
  REQUIRE(l.size() == lines_of(src).size());
  for (int i = 0; i < 10; i++) CHECK(l[size_t(i)].empty());
  CHECK(l[10] == "BEGIN {");
  CHECK(l[11] == "  struct local { int x; };");  // inside a probe body: kept
  CHECK(l[14] == "kprobe:x { @ = 1; }");
  for (size_t i = 15; i < l.size(); i++) CHECK(l[i].empty());
}

TEST_CASE("definition errors") {
  auto r = pp("struct a {\n  int x;\n");
  CHECK(has_error(r, "unterminated definition of struct a", 1));
}

TEST_CASE("a definition without its ';' is taken, as bpftrace takes it") {
  auto s = pp("struct b { int x; }\nBEGIN { }\nstruct c { char s[5]; } uprobe:/bin/true:main { }\n");
  CHECK(s.errors.empty());
  REQUIRE(s.c_definitions.size() == 2);
  CHECK(s.c_definitions[0].text == "struct b { int x; };");
  CHECK(s.c_definitions[1].text == "struct c { char s[5]; };");
  auto l = lines_of(s.text);
  CHECK(l[2] == "                        uprobe:/bin/true:main { }");
}

TEST_CASE("attach points are not expanded; predicates are; paths may contain /*") {
  auto r = pp("#define BEGIN END\n#define LIM 5\n#define f(x) x\n"
              "BEGIN { @a = LIM; }\n"
              "uprobe:/lib/*/libc.so:malloc /arg0 > LIM && (arg1 / 2) < f(LIM)/ { @b = 1; }\n"
              "#define Z 0\nkprobe:f{ @c = Z; }\n");
  CHECK(r.errors.empty());
  auto l = lines_of(r.text);
  CHECK(l[3] == "BEGIN { @a = 5; }");
  CHECK(l[4] == "uprobe:/lib/*/libc.so:malloc /arg0 > 5 && (arg1 / 2) < 5/ { @b = 1; }");
  CHECK(l[6] == "kprobe:f{ @c = 0; }");  // the "#define" was still seen as a directive
}

TEST_CASE("macro invocations and directives spanning lines keep the line count") {
  auto r = pp("#define ADD(a, b) \\\n  ((a) + (b))\n"
              "BEGIN {\n  @x = ADD(1, // one\n         2) * 3;\n  @y = 4;\n}\n");
  CHECK(r.errors.empty());
  auto l = lines_of(r.text);
  REQUIRE(l.size() == 8);
  CHECK(l[0].empty());
  CHECK(l[1].empty());
  CHECK(l[3] == "  @x = ((1) + (2))");
  CHECK(l[4] == " * 3;");
  CHECK(l[5] == "  @y = 4;");
  auto u = pp("#define F(x) x\nBEGIN { F(1 }\n");
  CHECK(has_error(u, "unterminated argument list invoking macro 'F'", 2));
}

TEST_CASE("runaway expansion is stopped") {
  std::string src;
  for (int i = 0; i < 30; i++)
    src += "#define M" + std::to_string(i) + " M" + std::to_string(i + 1) + " M" + std::to_string(i + 1) + "\n";
  src += "BEGIN { @ = M0; }\n";
  auto r = pp(src);
  CHECK(has_error(r, "too deep or too large", 31));
}

TEST_CASE("every installed /usr/sbin/*.bt tool preprocesses cleanly") {
  namespace fs = std::filesystem;
  int seen = 0;
  if (!fs::is_directory("/usr/sbin")) return;
  for (auto& ent : fs::directory_iterator("/usr/sbin")) {
    if (ent.path().extension() != ".bt" || !ent.is_regular_file()) continue;
    std::ifstream in(ent.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string src = ss.str();
    auto r = pp(src);
    INFO(ent.path().string());
    seen++;
    std::string errs;
    for (auto& e : r.errors) errs += std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message + "\n";
    INFO(errs);
    CHECK(r.errors.empty());
    auto in_lines = lines_of(src), out_lines = lines_of(r.text);
    CHECK(in_lines.size() == out_lines.size());
    for (size_t i = 0; i < out_lines.size(); i++) {
      if (i == 0 && out_lines[i].rfind("#!", 0) == 0) continue;
      INFO("line " << i + 1 << ": " << out_lines[i]);
      CHECK((out_lines[i].empty() || out_lines[i][0] != '#'));
    }
    if (ent.path().filename() == "runqlen.bt") {
      REQUIRE(r.c_definitions.empty());  // inside #ifndef BPFTRACE_HAVE_BTF
      auto nobtf = pp(src, {});
      REQUIRE(nobtf.c_definitions.size() == 1);
      CHECK(nobtf.c_definitions[0].text.rfind("struct cfs_rq {", 0) == 0);
      CHECK(nobtf.includes == std::vector<std::string>{"linux/sched.h"});
    }
  }
  WARN("preprocessed " << seen << " tool scripts");
}
