#include "runtime/format/json.h"

#include <cmath>
#include <cstring>

#include "runtime/format/stack.h"
#include "runtime/format/value.h"

namespace scry::fmt {

namespace {

using json = nlohmann::ordered_json;

uint64_t get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

json int_json(uint64_t v, bool is_signed, uint64_t div = 0) {
  if (is_signed) return div ? int64_t(v) / int64_t(div) : int64_t(v);
  return div ? v / div : v;
}

// Bucket i of a histogram as {"min": lo, "max": hi}; an open end is left out.
json bucket_bounds(const Type& t, size_t i, size_t n) {
  json b = json::object();
  if (t.kind == TypeKind::Hist) {
    if (i == 0) b["max"] = -1;
    else if (i == 1) b["min"] = 0, b["max"] = 0;
    else {
      b["min"] = uint64_t(1) << (i - 2);
      b["max"] = i - 1 >= 64 ? UINT64_MAX : (uint64_t(1) << (i - 1)) - 1;
    }
    return b;
  }
  if (t.kind == TypeKind::LHist) {
    if (i == 0) b["max"] = t.lmin - 1;
    else if (i == n - 1) b["min"] = t.lmax;
    else {
      int64_t lo = t.lmin + int64_t(i - 1) * t.lstep;
      b["min"] = lo;
      b["max"] = std::min(lo + t.lstep, t.lmax) - 1;
    }
    return b;
  }
  auto lower = llhist_bounds(t);  // LLHist
  if (i == 0) b["max"] = int64_t(lower[0]) - 1;
  else if (i == n - 1) b["min"] = lower.back();
  else b["min"] = lower[i - 1], b["max"] = lower[i] - 1;
  return b;
}

json hist_json(const Type& t, const uint8_t* p, uint64_t div) {
  size_t n = t.buckets();
  uint64_t total = 0;
  long first = -1, last = -1;
  for (size_t i = 0; i < n; i++) {
    uint64_t c = get64(p + 8 * i);
    total += c;
    if (c) {
      if (first < 0) first = long(i);
      last = long(i);
    }
  }
  json buckets = json::array();
  for (long i = first; first >= 0 && i <= last; i++) {
    json b = bucket_bounds(t, size_t(i), n);
    uint64_t c = get64(p + 8 * size_t(i));
    b["count"] = t.kind != TypeKind::LLHist && div ? c / div : c;  // as the text divides them
    buckets.push_back(std::move(b));
  }
  return {{"count", total}, {"sum", int64_t(get64(p + 8 * n))}, {"buckets", std::move(buckets)}};
}

json aggregate_json(const Type& t, const uint8_t* p, uint64_t div, const ValueNames& names) {
  switch (t.kind) {
    case TypeKind::Count: return int_json(get64(p), false, div);
    case TypeKind::Integer:
    case TypeKind::Sum:
    case TypeKind::Min:
    case TypeKind::Max: return int_json(get64(p), t.is_signed, div);
    case TypeKind::Avg:
    case TypeKind::Stats:
    case TypeKind::Stddev: {
      uint64_t count = get64(p), total = get64(p + 8);
      int64_t avg = count ? (t.is_signed ? int64_t(total) / int64_t(count) : int64_t(total / count)) : 0;
      if (t.kind == TypeKind::Avg) return div ? avg / int64_t(div) : avg;
      json o = {{"count", count}, {"average", avg}};
      if (t.kind == TypeKind::Stats) o["total"] = int_json(total, t.is_signed);
      else {
        double mean = count ? (t.is_signed ? double(int64_t(total)) : double(total)) / double(count) : 0;
        double var = count ? double(get64(p + 16)) / double(count) - mean * mean : 0;
        o["stddev"] = uint64_t(var > 0 ? std::sqrt(var) : 0);
      }
      return o;
    }
    case TypeKind::Hist:
    case TypeKind::LHist:
    case TypeKind::LLHist: return hist_json(t, p, div);
    default: return json_value(t, p, names);
  }
}

json member_json(const Type& t, const Type::Field& f, const uint8_t* p, const ValueNames& names) {
  if (t.kind == TypeKind::Integer) return int_json(member_int(t, f, p), t.is_signed);
  return json_value(t, p, names);
}

}  // namespace

json json_value(const Type& t, const uint8_t* p, const ValueNames& names) {
  switch (t.kind) {
    case TypeKind::Integer: return int_json(get64(p), t.is_signed);
    case TypeKind::KStack:
    case TypeKind::UStack: {
      json frames = json::array();
      for (auto& f : read_stack(t, p, names)) frames.push_back(frame_text(t, f));
      return frames;
    }
    case TypeKind::Tuple: {
      json a = json::array();
      for (size_t i = 0; i < t.elems.size(); i++) a.push_back(json_value(t.elems[i], p + t.offsets[i], names));
      return a;
    }
    case TypeKind::Record: {  // members by name, in declaration order
      json o = json::object();
      for (size_t i = 0; i < t.elems.size(); i++)
        o[t.fields[i].name] = member_json(t.elems[i], t.fields[i], p + t.offsets[i], names);
      return o;
    }
    case TypeKind::Array: {
      json a = json::array();
      for (uint32_t i = 0; t.pointee && i < t.count; i++)
        a.push_back(member_json(*t.pointee, {}, p + size_t(i) * t.pointee->size, names));
      return a;
    }
    default: {
      std::string s = format_scalar(t, p, names);
      // Strings from the kernel need not be UTF-8: keep the bytes, replace what is not.
      return json(s);
    }
  }
}

json json_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
              const ValueNames& names, std::string& record_type) {
  const Type& v = spec.value;
  bool hist = v.kind == TypeKind::Hist || v.kind == TypeKind::LHist || v.kind == TypeKind::LLHist;
  bool stats = v.kind == TypeKind::Avg || v.kind == TypeKind::Stats || v.kind == TypeKind::Stddev;
  record_type = hist ? "hist" : stats ? "stats" : "map";
  entries = sorted_entries(spec, std::move(entries), top);
  json data = {{"name", spec.name}};
  if (spec.key.kind == TypeKind::None) {
    if (!entries.empty()) data["value"] = aggregate_json(v, entries[0].value.data(), div, names);
    else data["value"] = nullptr;
    return data;
  }
  json list = json::array();
  for (auto& e : entries)
    list.push_back({{"key", json_value(spec.key, e.key.data(), names)},
                    {"value", aggregate_json(v, e.value.data(), div, names)}});
  data["entries"] = std::move(list);
  return data;
}

}  // namespace scry::fmt
