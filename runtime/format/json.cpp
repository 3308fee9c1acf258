#include "runtime/format/json.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "runtime/format/value.h"

namespace scry::fmt {

namespace {

uint64_t get64(const uint8_t* p) { return word_at(p); }

// An integer's text, divided by `div` first unless it is 0 (print(@m, top, div)).
std::string divided_text(uint64_t v, bool is_signed, uint64_t div) {
  if (is_signed) return std::to_string(div ? int64_t(v) / int64_t(div) : int64_t(v));
  return std::to_string(div ? v / div : v);
}

// The length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one.
size_t utf8_length(const std::string& s, size_t i) {
  unsigned char c = s[i];
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; k++)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  return n;
}

// Bucket i of a histogram: {"min": lo, "max": hi, "count": c}; an open end is left out.
std::string bucket_json(const Type& t, size_t i, uint64_t count) {
  auto [lo, hi] = bucket_bounds(t, i);
  std::string out = "{";
  if (!lo.empty()) out += "\"min\": " + lo + ", ";
  if (!hi.empty()) out += "\"max\": " + hi + ", ";
  return out + "\"count\": " + std::to_string(count) + "}";
}

// The buckets from the first used to the last used; [] if none is.
std::string hist_json(const Type& t, const uint8_t* p, uint64_t div) {
  size_t n = t.buckets();
  long first = -1, last = -1;
  for (size_t i = 0; i < n; i++)
    if (get64(p + 8 * i)) {
      if (first < 0) first = long(i);
      last = long(i);
    }
  std::string out = "[";
  for (long i = first; first >= 0 && i <= last; i++) {
    uint64_t c = get64(p + 8 * size_t(i));
    if (t.kind != TypeKind::LLHist && div) c /= div;  // as the text divides them
    out += (i > first ? ", " : "") + bucket_json(t, size_t(i), c);
  }
  return out + "]";
}

std::string aggregate_json(const Type& t, const uint8_t* p, uint64_t div, const ValueNames& names) {
  switch (t.kind) {
    case TypeKind::Count: return divided_text(get64(p), false, div);
    case TypeKind::Integer:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max: return divided_text(get64(p), t.is_signed, div);
    case TypeKind::Avg:
    case TypeKind::Stats:
    case TypeKind::Stddev: {
      uint64_t count = get64(p), total = get64(p + 8);
      int64_t avg = count ? (t.is_signed ? int64_t(total) / int64_t(count) : int64_t(total / count)) : 0;
      if (t.kind == TypeKind::Avg) return std::to_string(div ? avg / int64_t(div) : avg);
      std::string out = "{\"count\": " + std::to_string(count) + ", \"average\": " + std::to_string(avg);
      if (t.kind == TypeKind::Stats) return out + ", \"total\": " + int_text(total, t.is_signed) + "}";
      double mean = count ? (t.is_signed ? double(int64_t(total)) : double(total)) / double(count) : 0;
      double var = count ? double(get64(p + 16)) / double(count) - mean * mean : 0;
      return out + ", \"stddev\": " + std::to_string(uint64_t(var > 0 ? std::sqrt(var) : 0)) + "}";
    }
    case TypeKind::Hist:
    case TypeKind::LHist:
    case TypeKind::LLHist: return hist_json(t, p, div);
    default: return json_value(t, p, names);
  }
}

std::string member_json(const Type& t, const Type::Field& f, const uint8_t* p, const ValueNames& names) {
  if (t.kind == TypeKind::Integer) return int_text(member_int(t, f, p), t.is_signed);
  return json_value(t, p, names);
}

// A key as a JSON object's name: its parts as text, joined by ",".
std::string key_json(const Type& k, const uint8_t* p, const ValueNames& names) {
  if (k.kind != TypeKind::Tuple) return json_string(format_scalar(k, p, names, 4, true));
  std::string text;
  for (size_t i = 0; i < k.elems.size(); i++)
    text += (i ? "," : "") + format_scalar(k.elems[i], p + k.offsets[i], names, 4, true);
  return json_string(text);
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (size_t n = utf8_length(s, i)) {
          out.append(s, i, n);
          i += n;
          continue;
        } else {
          out += "\\ufffd";  // not UTF-8: the line stays valid JSON
        }
    }
    i++;
  }
  return out + "\"";
}

std::string json_value(const Type& t, const uint8_t* p, const ValueNames& names) {
  switch (t.kind) {
    case TypeKind::Integer: return int_text(member_int(t, {}, p), t.is_signed);  // tuples: any size
    case TypeKind::Pointer: return std::to_string(int64_t(get64(p)));
    case TypeKind::Tuple: {
      std::string out = "[";
      for (size_t i = 0; i < t.elems.size(); i++)
        out += (i ? "," : "") + json_value(t.elems[i], p + t.offsets[i], names);
      return out + "]";
    }
    case TypeKind::Record: {  // members by name, in declaration order
      std::string out = "{ ";
      for (size_t i = 0; i < t.elems.size(); i++)
        out += (i ? ", " : "") + json_string(t.fields[i].name) + ": " +
               member_json(t.elems[i], t.fields[i], p + t.offsets[i], names);
      return out + " }";
    }
    case TypeKind::Array: {
      std::string out = "[";
      for (uint32_t i = 0; t.pointee && i < t.count; i++)
        out += (i ? "," : "") + member_json(*t.pointee, {}, p + size_t(i) * t.pointee->size, names);
      return out + "]";
    }
    default: return json_string(format_scalar(t, p, names, 8));
  }
}

std::string json_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
                     const ValueNames& names, std::string& record_type) {
  const Type& v = spec.value;
  bool hist = v.kind == TypeKind::Hist || v.kind == TypeKind::LHist || v.kind == TypeKind::LLHist;
  bool stats = v.kind == TypeKind::Avg || v.kind == TypeKind::Stats || v.kind == TypeKind::Stddev;
  record_type = hist ? "hist" : stats ? "stats" : "map";
  if (entries.empty())  // a cleared count() without keys is 0, as in the text; other empty maps: nothing
    return spec.key.kind == TypeKind::None && v.kind == TypeKind::Count ? "{" + json_string(spec.name) + ": 0}" : "";
  entries = sorted_entries(spec, std::move(entries), top);
  std::string out = "{" + json_string(spec.name) + ": ";
  if (spec.key.kind == TypeKind::None) return out + aggregate_json(v, entries[0].value.data(), div, names) + "}";
  out += "{";
  for (size_t i = 0; i < entries.size(); i++)
    out += (i ? ", " : "") + key_json(spec.key, entries[i].key.data(), names) + ": " +
           aggregate_json(v, entries[i].value.data(), div, names);
  return out + "}}";
}

}  // namespace scry::fmt
