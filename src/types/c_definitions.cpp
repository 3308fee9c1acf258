#include "src/types/c_definitions.h"

#include <bpf/btf.h>

#include <cstdarg>
#include <map>
#include <set>

#include "src/types/btf.h"
#include "src/types/libclang.h"

namespace scry {

namespace {

struct Where {
  std::string file;
  unsigned line = 0, col = 0;
};

// Where a location is, after "#line" directives: file "script" is the script's own text.
Where where(const Clang& c, CXSourceLocation l) {
  Where w;
  CXString f;
  c.clang_getPresumedLocation(l, &f, &w.line, &w.col);
  w.file = c.str(f);
  return w;
}

void dump_to_string(void* ctx, const char* fmt, va_list args) {
  char buf[4096];
  vsnprintf(buf, sizeof buf, fmt, args);
  *static_cast<std::string*>(ctx) += buf;
}

// The names in C text, in order: each identifier with the struct/union/enum keyword before
// it ("" if none), and whether a '{' follows (a definition). A linear scan: a regular
// expression recursed once per character and overflowed the stack on long names.
struct TypeName {
  std::string kw, name;
  bool defines;
};
std::vector<TypeName> type_names(const std::string& s) {
  std::vector<TypeName> out;
  std::string kw;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = (unsigned char)s[i];
    if (isalpha(c) || c == '_') {
      size_t j = i;
      while (j < s.size() && (isalnum((unsigned char)s[j]) || s[j] == '_')) j++;
      std::string word = s.substr(i, j - i);
      i = j;
      if (word == "struct" || word == "union" || word == "enum") {
        kw = word;
        continue;
      }
      while (j < s.size() && isspace((unsigned char)s[j])) j++;
      out.push_back({kw, word, !kw.empty() && j < s.size() && s[j] == '{'});
      kw.clear();
      continue;
    }
    if (isdigit(c)) {
      while (i < s.size() && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
      kw.clear();
      continue;
    }
    if (!isspace(c)) kw.clear();
    i++;
  }
  return out;
}

// Declarations, from BTF, of the kernel types the definitions name.
std::string kernel_prelude(const std::vector<CDefinitionText>& defs, struct btf* kernel) {
  std::string all;
  for (auto& d : defs) all += d.text + "\n";
  std::vector<TypeName> names = type_names(all);
  std::set<std::string> defined;
  for (auto& n : names)
    if (n.defines) defined.insert(n.kw + " " + n.name);
  std::string out;
  btf_dump* d = btf_dump__new(kernel, dump_to_string, &out, nullptr);
  if (!d) return out;
  std::set<int32_t> dumped;
  for (auto& n : names) {
    const std::string &kw = n.kw, &name = n.name;
    if (defined.count(kw + " " + name)) continue;
    int32_t id = -1;
    if (kw == "struct") id = btf__find_by_name_kind(kernel, name.c_str(), BTF_KIND_STRUCT);
    else if (kw == "union") id = btf__find_by_name_kind(kernel, name.c_str(), BTF_KIND_UNION);
    else if (kw == "enum") id = btf__find_by_name_kind(kernel, name.c_str(), BTF_KIND_ENUM);
    else id = btf__find_by_name_kind(kernel, name.c_str(), BTF_KIND_TYPEDEF);
    if (id > 0 && dumped.insert(id).second) btf_dump__dump_type(d, uint32_t(id));
  }
  btf_dump__free(d);
  return out;
}

// Converts clang's types to BTF ids in `out` (a split BTF over the kernel's).
struct Converter {
  const Clang& c;
  struct btf* out;
  std::map<std::string, int> ints;        // "size:signed" -> id
  std::map<std::string, int> records;     // "struct x" -> id (kernel or script)
  std::string error;

  int int_type(long long size, bool is_signed, bool is_char) {
    std::string key = std::to_string(size) + (is_signed ? "s" : "u") + (is_char ? "c" : "");
    auto it = ints.find(key);
    if (it != ints.end()) return it->second;
    std::string name = std::string(is_char ? "char" : is_signed ? "int" : "unsigned int") +
                       (is_char ? "" : std::to_string(size * 8));
    int enc = (is_signed ? BTF_INT_SIGNED : 0) | (is_char ? BTF_INT_CHAR : 0);
    int id = btf__add_int(out, name.c_str(), size_t(size), enc);
    return ints[key] = id;
  }

  int record(const std::string& kw, const std::string& name) {
    std::string key = kw + " " + name;
    auto it = records.find(key);
    if (it != records.end()) return it->second;
    int id = btf__find_by_name_kind(out, name.c_str(), kw == "union" ? BTF_KIND_UNION : BTF_KIND_STRUCT);
    if (id <= 0) id = btf__add_fwd(out, name.c_str(), kw == "union" ? BTF_FWD_UNION : BTF_FWD_STRUCT);
    return records[key] = id;
  }

  struct Field {
    std::string name;
    int type;
    uint32_t bit_offset, bit_size;
  };
  // Where a member that failed to convert is, for the error.
  unsigned error_line = 0, error_col = 0;

  // A named member somewhere inside an anonymous struct/union (its offset places the record).
  std::string some_field_name(CXCursor rec) {
    std::string found;
    std::pair<Converter*, std::string*> ctx(this, &found);
    c.clang_visitChildren(rec, [](CXCursor m, CXCursor, CXClientData d) {
      auto& x = *static_cast<std::pair<Converter*, std::string*>*>(d);
      const Clang& c = x.first->c;
      std::string name = c.str(c.clang_getCursorSpelling(m));
      if (c.clang_getCursorKind(m) == CXCursor_FieldDecl && !name.empty()) *x.second = name;
      else if (c.clang_Cursor_isAnonymousRecordDecl(m)) *x.second = x.first->some_field_name(m);
      return x.second->empty() ? CXChildVisit_Continue : CXChildVisit_Break;
    }, &ctx);
    return found;
  }

  // Adds the struct or union `decl` defines, with its members (anonymous struct/union members
  // as nameless members, as the kernel's BTF has them). -1 if a member's type cannot be used.
  int define_record(CXCursor decl) {
    struct Fields {
      Converter& conv;
      CXType parent;
      std::vector<Field> list;
      bool ok = true;
    } f{*this, c.clang_getCursorType(decl), {}};
    c.clang_visitChildren(decl, [](CXCursor m, CXCursor, CXClientData d) {
      auto& f = *static_cast<Fields*>(d);
      const Clang& c = f.conv.c;
      if (!f.ok) return CXChildVisit_Break;
      if (c.clang_Cursor_isAnonymousRecordDecl(m)) {
        int type = f.conv.define_record(m);
        std::string inner = f.conv.some_field_name(m);
        long long in_parent = c.clang_Type_getOffsetOf(f.parent, inner.c_str());
        long long in_anon = c.clang_Type_getOffsetOf(c.clang_getCursorType(m), inner.c_str());
        if (type < 0) f.ok = false;
        else if (in_parent >= 0 && in_anon >= 0) f.list.push_back({"", type, uint32_t(in_parent - in_anon), 0});
        return CXChildVisit_Continue;
      }
      if (c.clang_getCursorKind(m) != CXCursor_FieldDecl) return CXChildVisit_Continue;
      int type = f.conv.type(c.clang_getCursorType(m));
      if (type < 0) {
        Where at = where(c, c.clang_getCursorLocation(m));
        f.conv.error_line = at.line, f.conv.error_col = at.col;
        f.ok = false;
        return CXChildVisit_Break;
      }
      uint32_t bits = c.clang_Cursor_isBitField(m) ? uint32_t(c.clang_getFieldDeclBitWidth(m)) : 0;
      f.list.push_back({c.str(c.clang_getCursorSpelling(m)), type, uint32_t(c.clang_Cursor_getOffsetOfField(m)), bits});
      return CXChildVisit_Continue;
    }, &f);
    if (!f.ok) return -1;
    bool is_union = c.clang_getCursorKind(decl) == CXCursor_UnionDecl;
    std::string name = c.clang_Cursor_isAnonymous(decl) ? "" : c.str(c.clang_getCursorSpelling(decl));
    uint32_t size = uint32_t(c.clang_Type_getSizeOf(f.parent));
    int id = is_union ? btf__add_union(out, name.c_str(), size) : btf__add_struct(out, name.c_str(), size);
    for (auto& fld : f.list) btf__add_field(out, fld.name.c_str(), fld.type, fld.bit_offset, fld.bit_size);
    if (!name.empty()) records[(is_union ? "union " : "struct ") + name] = id;
    return id;
  }

  int type(CXType t) {
    t = c.clang_getCanonicalType(t);
    long long size = c.clang_Type_getSizeOf(t);
    switch (t.kind) {
      case CXType_Bool: case CXType_UChar: case CXType_UShort: case CXType_UInt: case CXType_ULong:
      case CXType_ULongLong: return int_type(size, false, false);
      case CXType_Char_U: return int_type(size, false, true);
      case CXType_Char_S: case CXType_SChar: return int_type(size, true, t.kind != CXType_SChar);
      case CXType_Short: case CXType_Int: case CXType_Long: case CXType_LongLong:
        return int_type(size, true, false);
      case CXType_Pointer: {
        CXType p = c.clang_getPointeeType(t);
        int target = c.clang_getCanonicalType(p).kind == CXType_Void ? 0 : type(p);
        return target < 0 ? target : btf__add_ptr(out, target);
      }
      case CXType_ConstantArray: {
        int elem = type(c.clang_getArrayElementType(t));
        if (elem < 0) return elem;
        return btf__add_array(out, int_type(4, false, false), elem, uint32_t(c.clang_getArraySize(t)));
      }
      case CXType_Record: {
        CXCursor decl = c.clang_getTypeDeclaration(t);
        if (c.clang_Cursor_isAnonymous(decl)) return define_record(decl);  // struct { ... } member;
        std::string name = c.str(c.clang_getCursorSpelling(decl));
        std::string kw = c.clang_getCursorKind(decl) == CXCursor_UnionDecl ? "union" : "struct";
        return record(kw, name);
      }
      case CXType_Enum: return int_type(size > 0 ? size : 4, false, false);
      case CXType_Void: return 0;
      default:
        error = "scry cannot use a member of this type (" + std::to_string(int(t.kind)) + ")";
        return -1;
    }
  }
};

}  // namespace

bool add_c_definitions(const std::vector<CDefinitionText>& defs, KernelBtf& kbtf,
                       std::vector<CDefinitionError>& errors) {
  const Clang& c = Clang::get();
  if (!c.ok) {
    errors.push_back({defs.empty() ? 0 : defs[0].line, 1,
                      "C definitions in scripts need libclang (Debian package libclang1-19), which is not installed"});
    return false;
  }
  struct btf* kernel = kbtf.kernel_only();
  std::string source = kernel_prelude(defs, kernel);
  for (auto& d : defs) source += "#line " + std::to_string(d.line) + " \"script\"\n" + d.text + "\n";
  CXUnsavedFile file{"scry_definitions.c", source.c_str(), (unsigned long)source.size()};
  const char* args[] = {"-x", "c", "-std=gnu11", "-nostdinc", "-fno-ms-extensions"};
  CXIndex index = c.clang_createIndex(0, 0);
  CXTranslationUnit tu = c.clang_parseTranslationUnit(index, "scry_definitions.c", args, 5, &file, 1,
                                                      CXTranslationUnit_SkipFunctionBodies);
  bool ok = tu != nullptr;
  for (unsigned i = 0; tu && i < c.clang_getNumDiagnostics(tu); i++) {
    CXDiagnostic d = c.clang_getDiagnostic(tu, i);
    if (c.clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      Where at = where(c, c.clang_getDiagnosticLocation(d));
      bool in_script = at.file == "script";
      errors.push_back({in_script ? int(at.line) : defs[0].line, in_script ? int(at.col) : 1,
                        c.str(c.clang_getDiagnosticSpelling(d))});
      ok = false;
    }
    c.clang_disposeDiagnostic(d);
  }
  struct btf* split = ok ? btf__new_empty_split(kernel) : nullptr;
  Converter conv{c, split, {}, {}, {}};
  struct Ctx {
    const Clang& c;
    Converter& conv;
    std::vector<CDefinitionError>& errors;
    bool ok = true;
  } ctx{c, conv, errors};
  if (split) {
    // Each definition of the script, in order: convert the members' types first, then add the
    // record with its members (BTF wants a record's members right after it).
    c.clang_visitChildren(
        c.clang_getTranslationUnitCursor(tu),
        [](CXCursor cur, CXCursor, CXClientData data) {
          auto& x = *static_cast<Ctx*>(data);
          const Clang& c = x.c;
          Where at = where(c, c.clang_getCursorLocation(cur));
          if (at.file != "script") return CXChildVisit_Continue;
          CXCursorKind kind = c.clang_getCursorKind(cur);
          std::string name = c.str(c.clang_getCursorSpelling(cur));
          if (!c.clang_isCursorDefinition(cur)) {
            // "struct x;" with no definition anywhere: a type of unknown size, for pointers.
            bool is_union = kind == CXCursor_UnionDecl;
            if ((kind == CXCursor_StructDecl || is_union) &&
                c.clang_isCursorDefinition(c.clang_getCursorDefinition(cur)) == 0)
              x.conv.record(is_union ? "union" : "struct", name);
            return CXChildVisit_Continue;
          }
          CXType t = c.clang_getCursorType(cur);
          if (kind == CXCursor_EnumDecl) {
            int id = btf__add_enum(x.conv.out, name.c_str(), uint32_t(c.clang_Type_getSizeOf(t)));
            c.clang_visitChildren(cur, [](CXCursor e, CXCursor, CXClientData d) {
              auto& x = *static_cast<Ctx*>(d);
              if (x.c.clang_getCursorKind(e) == CXCursor_EnumConstantDecl)
                btf__add_enum_value(x.conv.out, x.c.str(x.c.clang_getCursorSpelling(e)).c_str(),
                                    x.c.clang_getEnumConstantDeclValue(e));
              return CXChildVisit_Continue;
            }, &x);
            (void)id;
            return CXChildVisit_Continue;
          }
          if (kind != CXCursor_StructDecl && kind != CXCursor_UnionDecl) return CXChildVisit_Continue;
          if (x.conv.define_record(cur) < 0) {
            x.errors.push_back({int(x.conv.error_line), int(x.conv.error_col), x.conv.error});
            x.ok = false;
          }
          return CXChildVisit_Continue;
        },
        &ctx);
  }
  if (tu) c.clang_disposeTranslationUnit(tu);
  c.clang_disposeIndex(index);
  if (!ok || !ctx.ok) {
    btf__free(split);
    return false;
  }
  kbtf.extend(split);
  return true;
}

}  // namespace scry
