// Value types of the language, shared by the compiler and the runtime (plain data).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scry {

enum class TypeKind : uint8_t {
  None,     // not yet known / no value (statements, exit())
  Integer,  // size 1, 2, 4 or 8 bytes, signed or not
  String,   // fixed buffer of `size` bytes, NUL-terminated inside it
  Tuple,    // elems laid out at offsets as in a C struct (integers keep their size)
  Probe,    // u64 index into the manifest's probe names; prints as the probe's name
  Func,     // u64 probe index; prints as that probe's function (`func`)
  KStack,   // i64 stack id in the stacks map (kstack)
  UStack,   // {i64 stack id, u64 pid} (ustack)
  Special,  // a value a builtin makes and prints its own way (ksym(), ntop(), strerror()...):
            // `value_kind` names it, `size` bytes; the builtin's entry has the printer
  Pointer,  // 8-byte address; `pointee` says to what (None: void or unknown)
  Record,   // struct or union from BTF, by value: `name` ("struct task_struct"), `btf_id`
  Array,    // `count` elements of `*pointee` (char arrays are String instead)
  Count, Sum, Min, Max, Avg, Stats, Hist, LHist,  // aggregations (map values only)
  LLHist,   // log-linear histogram: factor, low and high magnitude, steps (DTrace's llquantize)
  Stddev,   // count, average and standard deviation
};

// How a kstack/ustack value prints: bpftrace ("func+off" lines), perf ("\tADDR func+off
// (module)" lines) or raw (addresses only).
enum class StackMode : uint8_t { Bpftrace, Perf, Raw };
constexpr uint32_t kMaxStackFrames = 127;  // the kernel's default perf_event_max_stack

struct Type {
  TypeKind kind = TypeKind::None;
  uint32_t size = 0;  // bytes in the BPF representation
  bool is_signed = false;
  std::vector<Type> elems;         // Tuple
  std::vector<uint32_t> offsets;   // Tuple: byte offset of each element
  int64_t lmin = 0, lmax = 0, lstep = 0;  // LHist: min, max, step; LLHist: low, high magnitude, steps
  int64_t lfactor = 0;                    // LLHist: the factor between magnitudes
  std::string record_name;                // Record: "struct task_struct"
  // A Record held as a value (a copy of its bytes, to print or store) is laid out: elems and
  // offsets are its members (anonymous struct/union members flattened), fields their names
  // and bitfields. A Record only pointed into has no elems.
  struct Field {
    std::string name;
    uint8_t bit_shift = 0, bits = 0;  // bits > 0: a bitfield in the integer at its offset
    bool operator==(const Field& o) const { return name == o.name && bit_shift == o.bit_shift && bits == o.bits; }
  };
  std::vector<Field> fields;
  int32_t btf_id = -1;                    // Record: its type id in the kernel's BTF
  std::shared_ptr<Type> pointee;          // Pointer target / Array element
  uint32_t count = 0;                     // Array length
  bool user = false;  // Pointer/Record/Array: in user memory (syscall arguments), not the kernel's
  std::string value_kind;  // Special: the kind of value, as the builtin registry names it ("ksym")
  StackMode stack_mode = StackMode::Bpftrace;  // KStack/UStack
  uint32_t stack_frames = 0;  // KStack/UStack: at most this many frames, innermost first

  static Type none() { return Type{}; }
  static Type integer(uint32_t bytes, bool is_signed);
  static Type string(uint32_t bytes);
  static Type probe();
  static Type special(TypeKind k);  // Func, KStack, UStack
  static Type special_value(std::string kind, uint32_t bytes);  // Special
  static Type stack(TypeKind k, StackMode mode, uint32_t frames);  // KStack or UStack
  static Type tuple(std::vector<Type> elems);
  static Type aggregation(TypeKind k, bool is_signed = false);
  static Type lhist(int64_t min, int64_t max, int64_t step);
  static Type llhist(int64_t factor, int64_t low, int64_t high, int64_t steps);
  static Type pointer(Type to);
  static Type record(std::string name, int32_t btf_id, uint32_t size);
  static Type array(Type elem, uint32_t count);

  bool is_int() const { return kind == TypeKind::Integer; }
  bool is_ptr() const { return kind == TypeKind::Pointer; }
  // Values code generation keeps in a stack buffer (the others are one 64-bit word, or for
  // Record and Array an address).
  // Records and arrays are buffers when held as values; an expression that reads one from
  // memory yields its address (an i64) until it is stored.
  bool is_buffer() const {
    return kind == TypeKind::String || kind == TypeKind::Tuple || kind == TypeKind::UStack ||
           (kind == TypeKind::Special && size != 8) || kind == TypeKind::Record || kind == TypeKind::Array;
  }
  bool is_str() const { return kind == TypeKind::String; }
  bool is_aggregation() const { return kind >= TypeKind::Count; }
  bool is_histogram() const { return kind == TypeKind::Hist || kind == TypeKind::LHist || kind == TypeKind::LLHist; }
  // Number of u64 buckets for hist/lhist values.
  uint32_t buckets() const;
  // Bytes one CPU's slot of a map value occupies (aggregations are per-CPU).
  uint32_t value_size() const;
  // Same kind and shape; strings of different lengths are compatible.
  bool compatible(const Type& o) const;
  bool operator==(const Type& o) const;
  // The user-facing name, as in error messages: "int64", "string[16]", "(int64, string[3])", "count".
  std::string name() const;
};

// The widest of two compatible types (longer strings win, tuples element-wise).
Type widen(const Type& a, const Type& b);

// Lower bounds of the buckets of an llhist after the first (which holds values below
// factor^low): for each magnitude m in [low, high], steps buckets of width factor^(m+1)/steps,
// skipping those below factor^m; the last bound is factor^(high+1), where the overflow starts.
std::vector<uint64_t> llhist_bounds(const Type& t);

// log2 histogram buckets: 0 (< 0), 1 (== 0), 2 + floor(log2(v)) for v >= 1.
constexpr uint32_t kLog2Buckets = 66;

}  // namespace scry
