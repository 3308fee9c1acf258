#include "runtime/format/prometheus.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/format/value.h"

namespace scry::fmt {

namespace {

uint64_t get64(const uint8_t* p) { return word_at(p); }

// The names scry's own metrics take: a map that would take one of them is suffixed.
const char* const kEventsLost = "scry_events_lost_total";
const char* const kMapFull = "scry_map_full_total";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The labels of one entry: `name="value"` for each part of its key, then `extra` (le, value).
class Labels {
 public:
  Labels(const MapSpec& spec, const uint8_t* key, const ValueNames& names) {
    const Type& k = spec.key;
    if (k.kind == TypeKind::None) return;
    size_t parts = k.kind == TypeKind::Tuple ? k.elems.size() : 1;
    for (size_t i = 0; i < parts; i++) {
      std::string name = i < spec.key_names.size() ? spec.key_names[i] : "key" + std::to_string(i);
      std::string value = k.kind == TypeKind::Tuple ? format_scalar(k.elems[i], key + k.offsets[i], names, 4, true)
                                                    : format_scalar(k, key, names, 4, true);
      text_ += (text_.empty() ? "" : ",") + name + "=\"" + label_value(value) + "\"";
      names_.push_back(name);
    }
  }
  std::string with(const std::string& name, const std::string& value) const {
    return "{" + text_ + (text_.empty() ? "" : ",") + name + "=\"" + label_value(value) + "\"}";
  }
  std::string text() const { return text_.empty() ? "" : "{" + text_ + "}"; }
  bool has(const std::string& name) const { return std::find(names_.begin(), names_.end(), name) != names_.end(); }

 private:
  std::string text_;
  std::vector<std::string> names_;
};

// A histogram's series for one key: the cumulative count at each bucket's upper bound, +Inf,
// then _sum (when kept, after the counts) and _count.
void histogram_series(std::string& out, const std::string& name, const MapSpec& spec, const Labels& labels,
                      const uint8_t* p) {
  const Type& t = spec.value;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < t.buckets(); i++) {
    cumulative += get64(p + 8 * i);
    std::string hi = bucket_bounds(t, i).hi;
    if (!hi.empty()) out += name + "_bucket" + labels.with("le", hi) + " " + std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket" + labels.with("le", "+Inf") + " " + std::to_string(cumulative) + "\n";
  if (spec.hist_sum) out += name + "_sum" + labels.text() + " " + int_text(get64(p + 8 * t.buckets()), true) + "\n";
  out += name + "_count" + labels.text() + " " + std::to_string(cumulative) + "\n";
}

// The metric's type and name for a map's values.
struct Family {
  const char* type;
  std::string name;
};

Family family(const MapSpec& spec) {
  std::string base = metric_name(spec.name);
  switch (spec.value.kind) {
    case TypeKind::Count:
    case TypeKind::Sum: return {"counter", ends_with(base, "_total") ? base : base + "_total"};
    case TypeKind::Stats: return {"summary", base};
    case TypeKind::Hist:
    case TypeKind::LHist:
    case TypeKind::LLHist: return {"histogram", base};
    default: return {"gauge", base};
  }
}

// One map's series (none for an entry without a value yet, such as a min() never updated).
void map_series(std::string& out, const std::string& name, const MapSpec& spec, const std::vector<MapEntry>& entries,
                const ValueNames& names) {
  const Type& t = spec.value;
  for (auto& e : entries) {
    Labels labels(spec, e.key.data(), names);
    const uint8_t* p = e.value.data();
    switch (t.kind) {
      case TypeKind::Count: out += name + labels.text() + " " + std::to_string(get64(p)) + "\n"; break;
      case TypeKind::Integer:
      case TypeKind::Sum: out += name + labels.text() + " " + int_text(get64(p), t.is_signed) + "\n"; break;
      case TypeKind::Min:
      case TypeKind::Max:
        if (get64(p + 8)) out += name + labels.text() + " " + int_text(get64(p), t.is_signed) + "\n";
        break;
      case TypeKind::Avg:
      case TypeKind::Stddev: {
        uint64_t count = get64(p), total = get64(p + 8);
        if (!count) break;
        // As bpftrace prints them: avg() truncated toward zero, stddev() as an integer.
        int64_t avg = t.is_signed ? int64_t(total) / int64_t(count) : int64_t(total / count);
        std::string v = std::to_string(avg);
        if (t.kind == TypeKind::Stddev) {  // {count, total, sum of squares}
          double mean = (t.is_signed ? double(int64_t(total)) : double(total)) / double(count);
          double var = double(get64(p + 16)) / double(count) - mean * mean;
          v = std::to_string(uint64_t(var > 0 ? std::sqrt(var) : 0));
        }
        out += name + labels.text() + " " + v + "\n";
        break;
      }
      case TypeKind::Stats:
        out += name + "_sum" + labels.text() + " " + int_text(get64(p + 8), t.is_signed) + "\n";
        out += name + "_count" + labels.text() + " " + std::to_string(get64(p)) + "\n";
        break;
      case TypeKind::Hist:
      case TypeKind::LHist:
      case TypeKind::LLHist: histogram_series(out, name, spec, labels, p); break;
      default:  // the value as a label (a key part already called `value` keeps its name)
        out += name + labels.with(labels.has("value") ? "value_" : "value", format_scalar(t, p, names, 4, true)) + " 1\n";
    }
  }
}

}  // namespace

std::string metric_name(const std::string& map_name) {
  std::string n = map_name.size() > 1 && map_name[0] == '@' ? map_name.substr(1) : map_name == "@" ? "map" : map_name;
  for (char& c : n)
    if (!isalnum((unsigned char)c) && c != '_' && c != ':') c = '_';
  return "scry_" + n;
}

std::string label_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string prometheus_text(const Manifest& m, const std::vector<std::vector<MapEntry>>& maps,
                            const std::vector<uint64_t>& drops, const ValueNames& names) {
  std::string out;
  for (size_t i = 0; i < m.maps.size() && i < maps.size(); i++) {
    const MapSpec& spec = m.maps[i];
    Family f = family(spec);
    if (f.name == kEventsLost || f.name == kMapFull) f.name += "_map";
    out += "# HELP " + f.name + " map " + spec.name + " (" + spec.value.name() + ") of the scry program\n";
    out += "# TYPE " + f.name + " " + f.type + "\n";
    map_series(out, f.name, spec, maps[i], names);
  }
  out += std::string("# HELP ") + kEventsLost + " Events the probes could not send: the ring buffer was full\n";
  out += std::string("# TYPE ") + kEventsLost + " counter\n";
  out += std::string(kEventsLost) + " " + std::to_string(drops.empty() ? 0 : drops[0]) + "\n";
  out += std::string("# HELP ") + kMapFull + " Map updates refused because the map was full\n";
  out += std::string("# TYPE ") + kMapFull + " counter\n";
  for (size_t i = 0; i < m.maps.size(); i++)
    out += std::string(kMapFull) + "{map=\"" + label_value(m.maps[i].name) + "\"} " +
           std::to_string(i + 1 < drops.size() ? drops[i + 1] : 0) + "\n";
  return out;
}

}  // namespace scry::fmt
