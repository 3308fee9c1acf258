// The Prometheus text of maps built by hand (--metrics): names, types, labels from the key
// names, histograms' cumulative buckets with their sum, and what was lost.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/format/prometheus.h"

using namespace scry;

namespace {

std::vector<uint8_t> words(std::vector<uint64_t> ws) {
  std::vector<uint8_t> out(ws.size() * 8);
  std::memcpy(out.data(), ws.data(), out.size());
  return out;
}

std::vector<uint8_t> text(const std::string& s, size_t size) {
  std::vector<uint8_t> out(size, 0);
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// The lines of `all` that start with `prefix`.
std::string lines_of(const std::string& all, const std::string& prefix) {
  std::string out;
  size_t at = 0;
  while (at < all.size()) {
    size_t end = all.find('\n', at);
    std::string line = all.substr(at, end - at);
    if (line.compare(0, prefix.size(), prefix) == 0) out += line + "\n";
    at = end == std::string::npos ? all.size() : end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("count() by (comm, pid) is a counter with a label per part of the key", "[prometheus]") {
  Manifest m;
  MapSpec spec;
  spec.name = "@calls";
  spec.key = Type::tuple({Type::string(16), Type::integer(8, false)});
  spec.key_names = {"comm", "pid"};
  spec.value = Type::aggregation(TypeKind::Count);
  m.maps.push_back(spec);
  std::vector<uint8_t> key = text("curl", 16);
  auto pid = words({42});
  key.insert(key.end(), pid.begin(), pid.end());
  std::string out = fmt::prometheus_text(m, {{{key, words({7})}}}, {3, 1}, ValueNames{});
  CHECK(lines_of(out, "# TYPE scry_calls") == "# TYPE scry_calls_total counter\n");
  CHECK(lines_of(out, "scry_calls") == "scry_calls_total{comm=\"curl\",pid=\"42\"} 7\n");
  CHECK(lines_of(out, "scry_events_lost_total") == "scry_events_lost_total 3\n");
  CHECK(lines_of(out, "scry_map_full_total") == "scry_map_full_total{map=\"@calls\"} 1\n");
}

TEST_CASE("a log2 histogram: cumulative inclusive integer bounds, +Inf, _sum and _count", "[prometheus]") {
  Manifest m;
  MapSpec spec;
  spec.name = "@";
  spec.value = Type::aggregation(TypeKind::Hist);
  spec.bucketed = spec.hist_sum = true;
  m.maps.push_back(spec);
  // Values 0, 5 and 6: bucket 1 (0) once, bucket 4 ([4, 8)) twice; the sum after the buckets.
  std::vector<uint64_t> counts(spec.value.buckets() + 1, 0);
  counts[1] = 1, counts[4] = 2, counts.back() = 11;
  std::string out = fmt::prometheus_text(m, {{{words({0}), words(counts)}}}, {0, 0}, ValueNames{});
  CHECK(lines_of(out, "# TYPE scry_map ") == "# TYPE scry_map histogram\n");
  std::string buckets = lines_of(out, "scry_map_bucket");
  CHECK(buckets.find("scry_map_bucket{le=\"-1\"} 0\nscry_map_bucket{le=\"0\"} 1\nscry_map_bucket{le=\"1\"} 1\n"
                     "scry_map_bucket{le=\"3\"} 1\nscry_map_bucket{le=\"7\"} 3\nscry_map_bucket{le=\"15\"} 3\n") == 0);
  CHECK(lines_of(out, "scry_map_bucket{le=\"+Inf\"}") == "scry_map_bucket{le=\"+Inf\"} 3\n");
  CHECK(lines_of(out, "scry_map_sum") == "scry_map_sum 11\n");
  CHECK(lines_of(out, "scry_map_count") == "scry_map_count 3\n");
}

TEST_CASE("an lhist's buckets end at its max; without a kept sum there is no _sum", "[prometheus]") {
  Manifest m;
  MapSpec spec;
  spec.name = "@size";
  spec.value = Type::lhist(0, 10, 5);  // (..., 0), [0, 5), [5, 10), [10, ...)
  spec.bucketed = true;
  m.maps.push_back(spec);
  std::string out = fmt::prometheus_text(m, {{{words({0}), words({1, 0, 2, 4})}}}, {0, 0}, ValueNames{});
  CHECK(lines_of(out, "scry_size") ==
        "scry_size_bucket{le=\"-1\"} 1\nscry_size_bucket{le=\"4\"} 1\nscry_size_bucket{le=\"9\"} 3\n"
        "scry_size_bucket{le=\"+Inf\"} 7\nscry_size_count 7\n");
}

TEST_CASE("gauges, summaries, and values that are not numbers as a `value` label", "[prometheus]") {
  Manifest m;
  MapSpec mn, st, name, total;
  mn.name = "@low";
  mn.value = Type::aggregation(TypeKind::Min, true);
  st.name = "@st";
  st.value = Type::aggregation(TypeKind::Stats, true);
  name.name = "@who";
  name.key = Type::integer(8, false);
  name.key_names = {"value"};  // a key part called `value`: the value's label is value_
  name.value = Type::string(8);
  total.name = "@bytes_total";
  total.value = Type::aggregation(TypeKind::Sum);
  m.maps = {mn, st, name, total};
  uint64_t minus_two = uint64_t(-2);
  std::string out = fmt::prometheus_text(
      m,
      {{{words({0}), words({minus_two, 1})}},
       {{words({0}), words({2, 30})}},
       {{words({1}), text("a\"b\\\n", 8)}},
       {{words({0}), words({9})}}},
      {0, 0, 0, 0, 0}, ValueNames{});
  CHECK(lines_of(out, "# TYPE") ==
        "# TYPE scry_low gauge\n# TYPE scry_st summary\n# TYPE scry_who gauge\n# TYPE scry_bytes_total counter\n"
        "# TYPE scry_events_lost_total counter\n# TYPE scry_map_full_total counter\n");
  CHECK(lines_of(out, "scry_low") == "scry_low -2\n");
  CHECK(lines_of(out, "scry_st_") == "scry_st_sum 30\nscry_st_count 2\n");
  CHECK(lines_of(out, "scry_who") == "scry_who{value=\"1\",value_=\"a\\\"b\\\\\\n\"} 1\n");
  CHECK(lines_of(out, "scry_bytes_total ") == "scry_bytes_total 9\n");
}

TEST_CASE("a min() no value reached yet has no series; names are sanitized", "[prometheus]") {
  Manifest m;
  MapSpec mn;
  mn.name = "@first";
  mn.value = Type::aggregation(TypeKind::Min);
  m.maps = {mn};
  std::string out = fmt::prometheus_text(m, {{{words({0}), words({0, 0})}}}, {0, 0}, ValueNames{});
  CHECK(lines_of(out, "scry_first") == "");
  CHECK(fmt::metric_name("@") == "scry_map");
  CHECK(fmt::metric_name("@a.b") == "scry_a_b");
  CHECK(fmt::metric_name("@events_lost_total") == "scry_events_lost_total");
  m.maps[0].name = "@events_lost";
  m.maps[0].value = Type::aggregation(TypeKind::Count);
  out = fmt::prometheus_text(m, {{{words({0}), words({4})}}}, {0, 0}, ValueNames{});
  CHECK(lines_of(out, "scry_events_lost_total") == "scry_events_lost_total_map 4\nscry_events_lost_total 0\n");
}
