#include "src/types/type.h"

#include <algorithm>

#include "src/types/abi.h"

namespace scry {

Type Type::integer(uint32_t bytes, bool s) {
  Type t;
  t.kind = TypeKind::Integer;
  t.size = bytes;
  t.is_signed = s;
  return t;
}

Type Type::string(uint32_t bytes) {
  Type t;
  t.kind = TypeKind::String;
  t.size = bytes;
  return t;
}

Type Type::probe() {
  Type t;
  t.kind = TypeKind::Probe;
  t.size = 8;
  return t;
}

Type Type::special(TypeKind k) {
  Type t;
  t.kind = k;
  t.size = k == TypeKind::UStack ? 16 : 8;
  if (k == TypeKind::KStack || k == TypeKind::UStack) t.stack_frames = kMaxStackFrames;
  return t;
}

Type Type::special_value(std::string kind, uint32_t bytes) {
  Type t;
  t.kind = TypeKind::Special;
  t.value_kind = std::move(kind);
  t.size = bytes;
  return t;
}

Type Type::stack(TypeKind k, StackMode mode, uint32_t frames) {
  Type t = special(k);
  t.stack_mode = mode;
  t.stack_frames = frames;
  return t;
}

// C's alignment, so that tuples are laid out as bpftrace lays them out (as a C struct).
static uint32_t align_of(const Type& t) {
  switch (t.kind) {
    case TypeKind::String: return 1;
    case TypeKind::Array: return t.pointee ? align_of(*t.pointee) : 8;
    case TypeKind::Tuple:
    case TypeKind::Record: {
      if (t.elems.empty()) return t.kind == TypeKind::Record ? 8 : 1;  // a record not laid out here
      uint32_t a = 1;
      for (auto& e : t.elems) a = std::max(a, align_of(e));
      return a;
    }
    default: return t.size >= 8 ? 8 : t.size ? t.size : 1;
  }
}

Type Type::tuple(std::vector<Type> elems) {
  Type t;
  t.kind = TypeKind::Tuple;
  uint32_t off = 0;
  for (auto& e : elems) {
    uint32_t a = align_of(e);
    off = (off + a - 1) / a * a;
    t.offsets.push_back(off);
    off += e.size;
  }
  t.elems = std::move(elems);
  uint32_t a = align_of(t);
  t.size = (off + a - 1) / a * a;
  return t;
}

Type Type::aggregation(TypeKind k, bool s) {
  Type t;
  t.kind = k;
  t.is_signed = s;
  t.size = t.value_size();
  return t;
}

Type Type::lhist(int64_t min, int64_t max, int64_t step) {
  Type t;
  t.kind = TypeKind::LHist;
  t.lmin = min;
  t.lmax = max;
  t.lstep = step;
  t.size = t.value_size();
  return t;
}

Type Type::pointer(Type to) {
  Type t;
  t.kind = TypeKind::Pointer;
  t.size = 8;
  t.pointee = std::make_shared<Type>(std::move(to));
  return t;
}

Type Type::record(std::string name, int32_t btf_id, uint32_t size) {
  Type t;
  t.kind = TypeKind::Record;
  t.record_name = std::move(name);
  t.btf_id = btf_id;
  t.size = size;
  return t;
}

Type Type::array(Type elem, uint32_t count) {
  Type t;
  t.kind = TypeKind::Array;
  t.size = elem.size * count;
  t.count = count;
  t.pointee = std::make_shared<Type>(std::move(elem));
  return t;
}

Type Type::llhist(int64_t factor, int64_t low, int64_t high, int64_t steps) {
  Type t;
  t.kind = TypeKind::LLHist;
  t.lfactor = factor;
  t.lmin = low;
  t.lmax = high;
  t.lstep = steps;
  t.size = t.value_size();
  return t;
}

std::vector<uint64_t> llhist_bounds(const Type& t) {
  std::vector<uint64_t> out;
  uint64_t pow = 1;
  for (int64_t i = 0; i < t.lmin; i++) pow *= uint64_t(t.lfactor);
  for (int64_t m = t.lmin; m <= t.lmax; m++) {
    uint64_t next = pow * uint64_t(t.lfactor);
    uint64_t width = std::max<uint64_t>(1, next / uint64_t(t.lstep));
    for (uint64_t lo = pow / width * width; lo < next; lo += width)
      if (lo >= pow) out.push_back(lo);
    pow = next;
  }
  out.push_back(pow);
  return out;
}

uint32_t Type::buckets() const {
  if (kind == TypeKind::Hist) return kLog2Buckets;
  if (kind == TypeKind::LLHist) return uint32_t(llhist_bounds(*this).size() + 1);
  if (kind == TypeKind::LHist) return uint32_t((lmax - lmin) / lstep + 2);
  return 0;
}

uint32_t Type::value_size() const {
  switch (kind) {
    case TypeKind::Count:
    case TypeKind::Sum: return abi::agg::kCountSize;
    case TypeKind::Min:
    case TypeKind::Max: return abi::agg::kMinMaxSize;
    case TypeKind::Avg:
    case TypeKind::Stats: return abi::agg::kAvgSize;
    case TypeKind::Hist:
    case TypeKind::LHist:
    case TypeKind::LLHist: return 8 * buckets();  // as user space holds it (see MapSpec::bucketed)
    case TypeKind::Stddev: return abi::agg::kStddevSize;
    case TypeKind::Integer:
    case TypeKind::Pointer:
    case TypeKind::Probe: return 8;  // map values are widened to 64 bits
    case TypeKind::Func: case TypeKind::KStack: return 8;
    case TypeKind::UStack: return 16;
    default: return size;
  }
}

bool Type::compatible(const Type& o) const {
  if (kind != o.kind) return false;
  if (kind == TypeKind::Tuple) {
    if (elems.size() != o.elems.size()) return false;
    for (size_t i = 0; i < elems.size(); i++)
      if (!elems[i].compatible(o.elems[i])) return false;
  }
  if (kind == TypeKind::LHist || kind == TypeKind::LLHist)
    return lmin == o.lmin && lmax == o.lmax && lstep == o.lstep && lfactor == o.lfactor;
  if (kind == TypeKind::Record)  // anonymous ones all say "struct (anon)": the BTF id tells them apart
    return record_name == o.record_name && size == o.size && (btf_id <= 0 || o.btf_id <= 0 || btf_id == o.btf_id);
  if (kind == TypeKind::Array)  // pton("1.2.3.4") and pton("::1") are not one type
    return count == o.count && pointee && o.pointee && pointee->compatible(*o.pointee);
  if (kind == TypeKind::KStack || kind == TypeKind::UStack)
    return stack_mode == o.stack_mode && stack_frames == o.stack_frames;
  if (kind == TypeKind::Special) return value_kind == o.value_kind && size == o.size;
  return true;
}

bool Type::operator==(const Type& o) const {
  if (kind != o.kind || size != o.size || is_signed != o.is_signed || elems != o.elems ||
      lmin != o.lmin || lmax != o.lmax || lstep != o.lstep || record_name != o.record_name ||
      count != o.count || value_kind != o.value_kind || stack_mode != o.stack_mode || stack_frames != o.stack_frames || fields != o.fields)
    return false;
  if (bool(pointee) != bool(o.pointee)) return false;
  return !pointee || *pointee == *o.pointee;
}

std::string Type::name() const {
  switch (kind) {
    case TypeKind::None: return "none";
    case TypeKind::Integer:
      return std::string(is_signed ? "int" : "uint") + std::to_string(size * 8);
    case TypeKind::String: return "string[" + std::to_string(size) + "]";
    case TypeKind::Probe: return "probe";
    case TypeKind::Func: return "func";
    case TypeKind::KStack:
    case TypeKind::UStack: {
      std::string s = kind == TypeKind::KStack ? "kstack" : "ustack";
      if (stack_mode == StackMode::Bpftrace && stack_frames == kMaxStackFrames) return s;
      s += stack_mode == StackMode::Perf ? "(perf" : stack_mode == StackMode::Raw ? "(raw" : "(bpftrace";
      return s + (stack_frames == kMaxStackFrames ? "" : ", " + std::to_string(stack_frames)) + ")";
    }
    case TypeKind::Special: return value_kind;
    case TypeKind::Pointer: return (pointee && pointee->kind != TypeKind::None ? pointee->name() : "void") + " *";
    case TypeKind::Record: return record_name;
    case TypeKind::Array:
      return (pointee ? pointee->name() : "?") + "[" + std::to_string(count) + "]";
    case TypeKind::Tuple: {
      std::string s = "(";
      for (size_t i = 0; i < elems.size(); i++) s += (i ? ", " : "") + elems[i].name();
      return s + ")";
    }
    case TypeKind::Count: return "count";
    case TypeKind::Sum: return "sum";
    case TypeKind::Min: return "min";
    case TypeKind::Max: return "max";
    case TypeKind::Avg: return "avg";
    case TypeKind::Stats: return "stats";
    case TypeKind::Hist: return "hist";
    case TypeKind::LHist: return "lhist";
    case TypeKind::LLHist: return "llhist";
    case TypeKind::Stddev: return "stddev";
  }
  return "?";
}

Type widen(const Type& a, const Type& b) {
  if (a.kind != b.kind) return a;
  if (a.kind == TypeKind::String) {
    Type t = Type::string(a.size > b.size ? a.size : b.size);
    t.is_signed = a.is_signed;  // buf() values keep being buffers
    return t;
  }
  if (a.kind == TypeKind::Integer)
    return Type::integer(a.size > b.size ? a.size : b.size, a.is_signed || b.is_signed);
  if (a.kind == TypeKind::Tuple && a.elems.size() == b.elems.size()) {
    std::vector<Type> e;
    for (size_t i = 0; i < a.elems.size(); i++) e.push_back(widen(a.elems[i], b.elems[i]));
    return Type::tuple(std::move(e));
  }
  return a;
}

}  // namespace scry
