// The kernel's BTF type information, converted to scry's Types for the compiler.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/types/type.h"

struct btf;
struct btf_type;

namespace scry {

class KernelBtf {
 public:
  // The BTF of the kernel the compiler compiles for (kernel_info.h: the machine's
  // /sys/kernel/btf/vmlinux, loaded on first call), nullptr if it has none. Not thread-safe.
  static KernelBtf* get();
  explicit KernelBtf(struct btf* btf);  // takes ownership (for tests with other BTF)
  ~KernelBtf();
  KernelBtf(const KernelBtf&) = delete;
  KernelBtf& operator=(const KernelBtf&) = delete;

  // A C type name as scripts write it in casts and as tracepoint format files spell it:
  // "struct task_struct", "struct sock *", "const char *", "unsigned int", "u32", "pid_t",
  // "union bpf_attr", "enum xyz", "int8".."int64", "uint8".."uint64", "char", "long",
  // "unsigned long long", "bool", typedef names, with any number of '*' and an optional
  // trailing "[N]" (char[N] -> string[N], else an Array). const/volatile/restrict are ignored.
  // "void *" is Type::pointer(Type::none()). Returns Type::none() if unknown.
  Type parse_type(const std::string& c_type);

  // Converts a BTF type id (0 = void -> none): typedef/const/volatile/restrict/type_tag are
  // skipped; int and enum -> Integer (size, signedness; bool is uint8; other sizes -> none);
  // pointer -> Type::pointer(pointee), where a pointee struct/union is a Record (Records never
  // expand members, so self-referential structs terminate) and function pointers/void become
  // Type::pointer(Type::none()); struct/union -> Type::record("struct NAME"/"union NAME",
  // anonymous: "struct (anon)", id, size); a forward declaration resolves to the definition of
  // the same name if there is one (else a Record of size 0 with the fwd's id); arrays whose
  // element is char/signed char/unsigned char (through const/volatile, not through typedefs
  // such as u8) -> Type::string(N); other arrays -> Type::array(elem, N). Floats -> none.
  Type type_of(int32_t id);

  struct Member {
    std::string name;
    Type type;
    // Byte offset from the start of the record (for bitfields: of the load unit, see below).
    uint32_t offset = 0;
    uint32_t bitfield_bits = 0;  // width in bits; 0 if not a bitfield
    uint32_t bit_shift = 0;      // bitfields only, see below
    // Bitfields (bitfield_bits > 0): type is an Integer of size S (1, 2, 4 or 8). Load S bytes
    // at `offset` as a little-endian unsigned integer X; the value is
    //   (X >> bit_shift) & ((1 << bitfield_bits) - 1),
    // never sign-extended: bitfields are read as unsigned, as bpftrace reads them (type is
    // an unsigned Integer). Always bit_shift + bitfield_bits <= 8*S.
    // S is the declared type's size and `offset` a multiple of S (relative to the record start)
    // whenever the field lies within a naturally aligned unit of its declared type, which holds
    // for every non-packed x86-64 layout (the kernel's). Otherwise (packed structs) `offset` is
    // the byte holding the field's first bit and S may be widened so the field fits; a field
    // that fits no 8-byte load gets type none.
  };
  // Looks up a member of a Record type by name, also inside anonymous struct/union members
  // (offsets add up). nullopt if there is no such member or `record` is not a known Record.
  std::optional<Member> member(const Type& record, const std::string& name);
  // All members in declaration order, anonymous struct/union members flattened (as `member`
  // finds them).
  std::vector<Member> members(const Type& record);
  // `t` as a value to copy and print: a Record gets its members as elems/offsets/fields
  // (nested records and arrays of records laid out too, up to 8 levels deep); other types
  // come back unchanged. Members without a usable type (floats, odd bitfields) are left out.
  Type layout(const Type& t, int depth = 0);
  // Names of all members, anonymous struct/union members flattened (for "did you mean" notes).
  std::vector<std::string> member_names(const Type& record);
  // Value of an enumerator of any enum in the BTF (e.g. "PIDTYPE_TGID"); first definition wins.
  std::optional<int64_t> enum_value(const std::string& name);
  // Prototype of a kernel function (BTF_KIND_FUNC): parameters (name, type) and return type
  // (none for void). A trailing "..." of variadic functions is not listed.
  struct Func {
    std::vector<std::pair<std::string, Type>> params;
    Type ret;
  };
  std::optional<Func> function(const std::string& name);
  // Arguments of a raw tracepoint (from its btf_trace_NAME typedef, without the leading
  // `void *__data`).
  std::optional<Func> raw_tracepoint(const std::string& name);

  // Number of type ids (for diagnostics/tests).
  uint32_t type_count() const;

  // The BTF every lookup reads (the kernel's, or the kernel's plus the script's types).
  struct btf* raw() { return btf_; }
  // The kernel's BTF alone, without the types of any script.
  struct btf* kernel_only() { return base_ ? base_ : btf_; }
  // Makes `split`, a BTF made with btf__new_empty_split(kernel_only()) that holds the script's
  // own C definitions, the one every lookup reads: script types join the kernel's, and replace
  // those of a script compiled before in this process (freed: `split` is not built on them).
  // Takes ownership.
  void extend(struct btf* split);
  // Adds a kernel module's types (its split BTF at `path`, /sys/kernel/btf/MODULE, on the
  // kernel's) to those every lookup reads, so that its functions and types are known: the
  // arguments of fentry:MODULE:FUNC. One module per compilation, and not after the script's
  // own C definitions (libbpf 1.1 cannot build split BTF on split BTF); false with the
  // reason otherwise. Adding the module already added does nothing.
  bool add_module(const std::string& name, const std::string& path, std::string& error);
  // Whether the BTF at `path` (a module's, split from `kernel`; nullptr: `kernel` itself) has a
  // function whose name matches the fnmatch() `pattern`.
  static bool has_function(const char* path, struct btf* kernel, const std::string& pattern);
  // Functions of the module added (sorted), for fentry:MODULE:* wildcards.
  std::vector<std::string> module_functions();
  // Where types of user programs (DWARF, src/types/dwarf.cpp) are added: the script's split
  // part, made if there is none. Call changed() after adding.
  struct btf* writable();
  void changed();
  // The type named `key` ("struct Foo", a typedef name) and whether the script (or a user
  // program's DWARF) defined it rather than the kernel; -1 if there is none.
  int32_t lookup(const std::string& key, bool& user_defined);

 private:
  void build_index();
  int32_t find(const std::string& key);  // key: "struct X", "union X", "enum X" or typedef name
  // Skips const/volatile/restrict/type_tag, and typedefs if `typedefs`.
  int32_t skip(int32_t id, bool typedefs = true);
  int32_t record_id(const Type& record);
  // Once extended: the first id of the script's own types (after the kernel's and a module's).
  uint32_t own_types_start() const;  // the struct/union definition a Record refers to
  // Calls fn(record, member index, bit offset from the outermost record) for each named member,
  // flattening anonymous struct/union members; stops and returns true once fn returns true.
  using MemberFn = std::function<bool(const struct btf_type*, uint16_t, uint32_t)>;
  bool walk(int32_t rec_id, uint32_t base_bits, const MemberFn& fn);
  Member make_member(const struct btf_type* rec, uint16_t index, uint32_t bits);

  struct btf* btf_;
  struct btf* base_ = nullptr;  // the kernel's BTF, once extended
  std::string module_;          // the module whose types follow the kernel's in btf_ ("" none)
  uint32_t own_start_ = 0;      // with a module: the first id of the script's own types
  bool indexed_ = false;
  std::unordered_map<std::string, int32_t> types_;  // "struct X", "union X", "enum X", typedefs
  std::unordered_map<std::string, int32_t> funcs_;
  std::unordered_map<std::string, int64_t> enumerators_;
};

}  // namespace scry
