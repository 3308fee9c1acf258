#include "runtime/format/value.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cmath>
#include <cstring>


#include "runtime/format/hist.h"
#include "runtime/format/stack.h"

namespace scry::fmt {

namespace {

SpecialPrinter (*g_special_printers)(const std::string& kind) = nullptr;

uint64_t get64(const uint8_t* p) { return word_at(p); }

int64_t div_signed(int64_t v, uint64_t div) { return div ? v / int64_t(div) : v; }
uint64_t div_unsigned(uint64_t v, uint64_t div) { return div ? v / div : v; }

// avg and stats: {count, total}; the average truncates toward zero like C division.
int64_t average(const uint8_t* p, bool is_signed) {
  uint64_t count = get64(p), total = get64(p + 8);
  if (!count) return 0;
  return is_signed ? int64_t(total) / int64_t(count) : int64_t(total / count);
}

uint64_t total_count(const MapSpec& spec, const uint8_t* p) {
  uint64_t t = 0;
  for (uint32_t i = 0; i < spec.value.buckets(); i++) t += get64(p + 8 * i);
  return t;
}

// The value maps are sorted by, ascending (bpftrace puts the largest last).
struct SortKey {
  bool is_signed;
  uint64_t v;
  bool less(const SortKey& o) const { return is_signed ? int64_t(v) < int64_t(o.v) : v < o.v; }
};

SortKey sort_key(const MapSpec& spec, const MapEntry& e) {
  const Type& t = spec.value;
  const uint8_t* p = e.value.data();
  switch (t.kind) {
    case TypeKind::Integer:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max: return {t.is_signed, get64(p)};
    case TypeKind::Count: return {false, get64(p)};
    case TypeKind::Avg:
    case TypeKind::Stats: return {true, uint64_t(average(p, t.is_signed))};
    case TypeKind::Hist:
    case TypeKind::LHist:
    case TypeKind::LLHist: return {false, total_count(spec, p)};
    case TypeKind::Stddev: return {true, uint64_t(average(p, t.is_signed))};
    default: return {false, 0};
  }
}

// Entries with equal values are ordered by their raw key bytes, as bpftrace 0.17 does
// (little-endian integers: key 256 comes before key 1).
bool key_less(const MapSpec& spec, const MapEntry& a, const MapEntry& b) {
  return std::memcmp(a.key.data(), b.key.data(), spec.key_size()) < 0;
}

bool blank_after(const Type& t) {
  return t.kind == TypeKind::Avg || t.kind == TypeKind::Stats || t.kind == TypeKind::Stddev;
}

std::string value_text(const MapSpec& spec, const uint8_t* p, uint64_t div,
                       const ValueNames& names) {
  const Type& t = spec.value;
  switch (t.kind) {
    case TypeKind::Count: return std::to_string(div_unsigned(get64(p), div));
    case TypeKind::Integer:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max:
      return t.is_signed ? std::to_string(div_signed(int64_t(get64(p)), div))
                         : std::to_string(div_unsigned(get64(p), div));
    case TypeKind::Avg: return std::to_string(div_signed(average(p, t.is_signed), div));
    case TypeKind::Stats:
      return "count " + std::to_string(get64(p)) + ", average " +
             std::to_string(average(p, t.is_signed)) + ", total " + int_text(get64(p + 8), t.is_signed);
    case TypeKind::Stddev: {
      // Population standard deviation: sqrt(E[x^2] - E[x]^2), in integers like the average.
      uint64_t n = get64(p);
      double mean = n ? (t.is_signed ? double(int64_t(get64(p + 8))) : double(get64(p + 8))) / double(n) : 0;
      double var = n ? double(get64(p + 16)) / double(n) - mean * mean : 0;
      return "count " + std::to_string(n) + ", average " + std::to_string(average(p, t.is_signed)) +
             ", stddev " + std::to_string(uint64_t(var > 0 ? std::sqrt(var) : 0));
    }
    default: return format_scalar(t, p, names, 8);
  }
}

}  // namespace

void set_special_printers(SpecialPrinter (*lookup)(const std::string& kind)) { g_special_printers = lookup; }

uint64_t member_int(const Type& t, const Type::Field& f, const uint8_t* p) {
  uint32_t size = t.size >= 1 && t.size <= 8 ? t.size : 8;
  uint64_t v = 0;
  std::memcpy(&v, p, size);  // little-endian: the low bytes
  uint32_t bits = f.bits ? f.bits : size * 8;
  if (f.bits) v >>= f.bit_shift;
  if (bits < 64) {
    v &= (uint64_t(1) << bits) - 1;
    if (t.is_signed && (v >> (bits - 1)) & 1) v |= ~uint64_t(0) << bits;  // sign-extend
  }
  return v;
}

namespace {

// A member of a copied struct or an element of a copied array.
std::string member_text(const Type& t, const Type::Field& f, const uint8_t* p, const ValueNames& names,
                        bool compact) {
  if (t.kind == TypeKind::Integer) return int_text(member_int(t, f, p), t.is_signed);
  if (t.kind == TypeKind::Pointer) return format_scalar(t, p, names, 4, true);  // members: in hex
  return format_scalar(t, p, names, 4, compact);
}

}  // namespace

std::string format_buffer(const uint8_t* p, uint32_t size, char style) {
  uint64_t want = size < 8 ? 0 : get64(p);
  uint64_t n = size < 8 ? 0 : std::min<uint64_t>(want, size - 8);
  std::string out;
  char hex[8];
  for (uint64_t i = 0; i < n; i++) {
    unsigned char c = p[8 + i];
    if (style == 'h') {
      snprintf(hex, sizeof hex, i ? " %02x" : "%02x", c);
      out += hex;
    } else if (style == 0 && c >= 32 && c < 127) {
      out += char(c);
    } else {
      snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (want > n) out += "...";  // buf(p, len) of more bytes than it holds: never cut silently
  return out;
}

std::string format_scalar(const Type& t, const uint8_t* p, const ValueNames& names, int indent, bool compact) {
  switch (t.kind) {
    case TypeKind::Integer: return int_text(member_int(t, {}, p), t.is_signed);  // tuples: any size
    case TypeKind::Record: {
      std::string s = compact ? "{" : "{ ";
      for (size_t i = 0; i < t.elems.size(); i++) {
        s += (i ? (compact ? "," : ", ") : "") + std::string(".") + t.fields[i].name + (compact ? "=" : " = ");
        s += member_text(t.elems[i], t.fields[i], p + t.offsets[i], names, compact);
      }
      return s + (compact ? "}" : " }");
    }
    case TypeKind::Array: {
      std::string s = "[";
      if (!t.pointee) return s + "]";
      for (uint32_t i = 0; i < t.count; i++)
        s += (i ? "," : "") + member_text(*t.pointee, {}, p + size_t(i) * t.pointee->size, names, compact);
      return s + "]";
    }
    case TypeKind::Pointer: {
      // As bpftrace prints them: in hex as (part of) a key, as a signed number as a value.
      if (!compact) return std::to_string(int64_t(get64(p)));
      char buf[32];
      snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)get64(p));
      return buf;
    }
    case TypeKind::String: {
      if (t.is_signed) return format_buffer(p, t.size);
      const char* s = reinterpret_cast<const char*>(p);
      return std::string(s, strnlen(s, t.size));
    }
    case TypeKind::Func: {
      uint64_t id = get64(p);
      return id < names.funcs.size() ? names.funcs[id] : "?";
    }
    case TypeKind::Special: {
      if (SpecialPrinter print = g_special_printers ? g_special_printers(t.value_kind) : nullptr)
        return print(t, p, names);
      char buf[32];  // a kind no printer is installed for: its first word, in hex
      snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)get64(p));
      return buf;
    }
    case TypeKind::KStack:
    case TypeKind::UStack: return format_stack(t, p, names, indent);
    case TypeKind::Probe: {
      uint64_t id = get64(p);
      return id < names.probes.size() ? names.probes[id] : "?";
    }
    case TypeKind::Tuple: {
      std::string s = "(";
      for (size_t i = 0; i < t.elems.size(); i++)
        s += (i ? ", " : "") + format_scalar(t.elems[i], p + t.offsets[i], names, indent, compact);
      return s + ")";
    }
    default: return "";
  }
}

std::string format_key(const MapSpec& spec, const uint8_t* key, const ValueNames& names) {
  const Type& k = spec.key;
  if (k.kind == TypeKind::None) return "";
  if (k.kind != TypeKind::Tuple) return "[" + format_scalar(k, key, names, 4, true) + "]";
  std::string s = "[";
  for (size_t i = 0; i < k.elems.size(); i++)
    s += (i ? ", " : "") + format_scalar(k.elems[i], key + k.offsets[i], names, 4, true);
  return s + "]";
}

std::vector<MapEntry> sorted_entries(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top) {
  std::sort(entries.begin(), entries.end(), [&](const MapEntry& a, const MapEntry& b) {
    return key_less(spec, a, b);
  });
  std::stable_sort(entries.begin(), entries.end(), [&](const MapEntry& a, const MapEntry& b) {
    return sort_key(spec, a).less(sort_key(spec, b));
  });
  if (top && top < entries.size()) entries.erase(entries.begin(), entries.end() - long(top));
  return entries;
}

std::string format_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
                       const ValueNames& names) {
  if (entries.empty()) {
    // A count() without keys that was cleared or deleted still counts 0 (as bpftrace shows it).
    if (spec.key.kind == TypeKind::None && spec.value.kind == TypeKind::Count) return spec.name + ": 0\n";
    return blank_after(spec.value) ? "\n\n" : "\n";
  }
  entries = sorted_entries(spec, std::move(entries), top);
  std::string out;
  for (auto& e : entries) {
    std::string head = spec.name + format_key(spec, e.key.data(), names) + ": ";
    if (spec.value.kind == TypeKind::Hist || spec.value.kind == TypeKind::LHist ||
        spec.value.kind == TypeKind::LLHist) {
      std::vector<uint64_t> buckets(spec.value.buckets());
      for (size_t i = 0; i < buckets.size(); i++) buckets[i] = get64(e.value.data() + 8 * i);
      out += head + "\n";
      if (spec.value.kind == TypeKind::Hist) out += log2_hist_rows(buckets, div ? div : 1);
      else if (spec.value.kind == TypeKind::LHist)
        out += linear_hist_rows(buckets, spec.value.lmin, spec.value.lmax, spec.value.lstep, div ? div : 1);
      else out += bounded_hist_rows(buckets, llhist_bounds(spec.value));
      out += "\n";
    } else {
      out += head + value_text(spec, e.value.data(), div, names) + "\n";
    }
  }
  if (blank_after(spec.value)) out += "\n";
  return out;
}

std::string format_all_maps(const Manifest& m, const std::vector<std::vector<MapEntry>>& entries,
                            const ValueNames& names, bool at_exit) {
  std::string out = at_exit ? "\n\n" : "";
  std::vector<size_t> order(m.maps.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.maps[a].name < m.maps[b].name; });
  for (size_t i : order) out += format_map(m.maps[i], entries[i], 0, 0, names);
  return out;
}

uint64_t word_at(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::string int_text(uint64_t v, bool is_signed) {
  return is_signed ? std::to_string(int64_t(v)) : std::to_string(v);
}

BucketBounds bucket_bounds(const Type& t, size_t i) {
  size_t n = t.buckets();
  std::string lo, hi;
  if (t.kind == TypeKind::Hist) {
    if (i == 0) hi = "-1";
    else if (i == 1) lo = hi = "0";
    else {
      lo = std::to_string(uint64_t(1) << (i - 2));
      hi = std::to_string(i - 1 >= 64 ? UINT64_MAX : (uint64_t(1) << (i - 1)) - 1);
    }
  } else if (t.kind == TypeKind::LHist) {
    if (i == 0) hi = std::to_string(t.lmin - 1);
    else if (i == n - 1) lo = std::to_string(t.lmax);
    else {
      int64_t low = t.lmin + int64_t(i - 1) * t.lstep;
      lo = std::to_string(low);
      hi = std::to_string(std::min(low + t.lstep, t.lmax) - 1);
    }
  } else {  // LLHist
    auto lower = llhist_bounds(t);
    if (i == 0) hi = std::to_string(int64_t(lower[0]) - 1);
    else if (i == n - 1) lo = std::to_string(lower.back());
    else lo = std::to_string(lower[i - 1]), hi = std::to_string(lower[i] - 1);
  }
  return {lo, hi};
}

}  // namespace scry::fmt
