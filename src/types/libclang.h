// libclang, loaded with dlopen when a script needs it (C definitions, #include): the compiler
// does not link it, so that scripts without C start without it.
#pragma once
#include <clang-c/Index.h>

#include <string>

namespace scry {

// Every libclang function scry calls: X(name) for each.
#define SCRY_LIBCLANG_FUNCTIONS(X)                                                                            \
  X(clang_createIndex) X(clang_disposeIndex) X(clang_parseTranslationUnit) X(clang_disposeTranslationUnit)    \
  X(clang_getTranslationUnitCursor) X(clang_visitChildren) X(clang_getCursorKind) X(clang_getCursorSpelling)  \
  X(clang_getCursorType) X(clang_isCursorDefinition) X(clang_getCursorDefinition) X(clang_getCursorLocation)  \
  X(clang_getPresumedLocation) X(clang_getCanonicalType) X(clang_getPointeeType) X(clang_getArrayElementType) \
  X(clang_getArraySize) X(clang_getTypeDeclaration) X(clang_Type_getSizeOf) X(clang_Cursor_getOffsetOfField)  \
  X(clang_Cursor_isBitField) X(clang_getFieldDeclBitWidth) X(clang_getEnumConstantDeclValue)                  \
  X(clang_Cursor_isAnonymous) X(clang_Cursor_isAnonymousRecordDecl) X(clang_Type_getOffsetOf)                 \
  X(clang_getNumDiagnostics) X(clang_getDiagnostic) X(clang_getDiagnosticSeverity)                            \
  X(clang_getDiagnosticSpelling) X(clang_getDiagnosticLocation) X(clang_disposeDiagnostic)                    \
  X(clang_getCString) X(clang_disposeString) X(clang_Cursor_isMacroFunctionLike)                              \
  X(clang_Cursor_isMacroBuiltin) X(clang_getCursorExtent) X(clang_tokenize) X(clang_getTokenSpelling)         \
  X(clang_disposeTokens)

struct Clang {
#define SCRY_CLANG_MEMBER(name) decltype(&::name) name = nullptr;
  SCRY_LIBCLANG_FUNCTIONS(SCRY_CLANG_MEMBER)
#undef SCRY_CLANG_MEMBER
  bool ok = false;  // the library and every function were found

  // Loaded on first use.
  static const Clang& get();

  // The string's text; the CXString is disposed of.
  std::string str(CXString s) const;
};

}  // namespace scry
