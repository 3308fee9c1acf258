#include "src/types/header_macros.h"

#include <cctype>
#include <vector>

#include "src/types/libclang.h"

namespace scry {
namespace {

struct Macro {
  std::string name;
  std::vector<std::string> tokens;  // the replacement
};

// Every object-like macro the translation unit defines, in order.
std::vector<Macro> read_macros(const Clang& c, CXTranslationUnit tu) {
  struct Visit {
    const Clang& c;
    CXTranslationUnit tu;
    std::vector<Macro> out;
  } v{c, tu, {}};
  c.clang_visitChildren(c.clang_getTranslationUnitCursor(tu), [](CXCursor m, CXCursor, CXClientData d) {
    auto& v = *static_cast<Visit*>(d);
    const Clang& c = v.c;
    if (c.clang_getCursorKind(m) != CXCursor_MacroDefinition || c.clang_Cursor_isMacroBuiltin(m) ||
        c.clang_Cursor_isMacroFunctionLike(m))
      return CXChildVisit_Continue;
    CXToken* tokens = nullptr;
    unsigned n = 0;
    c.clang_tokenize(v.tu, c.clang_getCursorExtent(m), &tokens, &n);
    Macro macro;
    for (unsigned i = 0; i < n; i++) {
      std::string t = c.str(c.clang_getTokenSpelling(v.tu, tokens[i]));
      if (i == 0) macro.name = t;
      else macro.tokens.push_back(t);
    }
    if (tokens) c.clang_disposeTokens(v.tu, tokens, n);
    if (!macro.name.empty() && !macro.tokens.empty()) v.out.push_back(std::move(macro));
    return CXChildVisit_Continue;
  }, &v);
  return v.out;
}

bool is_identifier(const std::string& t) { return !t.empty() && (isalpha((unsigned char)t[0]) || t[0] == '_'); }

}  // namespace

bool header_macros(const std::vector<std::string>& headers, const std::vector<std::string>& include_dirs,
                   std::map<std::string, std::string>& out) {
  const Clang& c = Clang::get();
  if (!c.ok) return false;
  std::string source;
  for (auto& h : headers) source += "#include " + (h[0] == '<' || h[0] == '"' ? h : "<" + h + ">") + "\n";
  CXUnsavedFile file{"scry_includes.c", source.c_str(), (unsigned long)source.size()};
  std::vector<std::string> arg_text = {"-x", "c", "-std=gnu11"};
  for (auto& d : include_dirs) arg_text.push_back("-I" + d);
  std::vector<const char*> args;
  for (auto& a : arg_text) args.push_back(a.c_str());
  CXIndex index = c.clang_createIndex(0, 0);
  // Headers meant for the kernel may not compile in user space: the macros defined before an
  // error are kept, as the error stops nothing the script needs.
  CXTranslationUnit tu = c.clang_parseTranslationUnit(
      index, "scry_includes.c", args.data(), int(args.size()), &file, 1,
      CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_Incomplete | CXTranslationUnit_SkipFunctionBodies);
  if (tu) {
    // A macro is a constant when each of its words is a literal, an operator, or a constant
    // macro defined before it.
    for (auto& m : read_macros(c, tu)) {
      std::string text;
      bool constant = true;
      for (auto& t : m.tokens) {
        if (is_identifier(t) && !out.count(t)) constant = false;
        text += (text.empty() ? "" : " ") + t;
      }
      if (constant) out[m.name] = text;
      else out.erase(m.name);
    }
    c.clang_disposeTranslationUnit(tu);
  }
  c.clang_disposeIndex(index);
  return true;
}

}  // namespace scry
