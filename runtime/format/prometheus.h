// The Prometheus text exposition format (version 0.0.4) of a program's maps (--metrics).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry::fmt {

// Every map as metrics named scry_<map> (scry_map for @), with # HELP and # TYPE lines:
//   count(), sum()           counter (name ends in _total)
//   min, max, avg, stddev,   gauge
//   integers
//   stats()                  summary without quantiles: _sum and _count
//   hist, lhist, llhist      histogram: cumulative _bucket{le} for every bucket (integer
//                            bounds, inclusive: a log2 bucket [4, 8) is le="7"), +Inf, _count,
//                            and _sum when the map keeps it (MapSpec::hist_sum)
//   other values             gauge of 1 with the value as the label `value` (strings, tuples,
//                            symbols: Prometheus' "info" pattern)
// Keys become labels named by MapSpec::key_names. Then what was lost: the counters
// scry_events_lost_total and scry_map_full_total{map="@name"} (`drops`: slot 0 ring
// buffer, 1 + i map i). `maps[i]` holds map i's entries, all read once for this text.
std::string prometheus_text(const Manifest& m, const std::vector<std::vector<MapEntry>>& maps,
                            const std::vector<uint64_t>& drops, const ValueNames& names);

// A metric name from a map name: "scry_" then the name without '@' ("map" for @), any
// character Prometheus does not allow replaced by '_'.
std::string metric_name(const std::string& map_name);

// A label value with \, " and newlines escaped.
std::string label_value(const std::string& s);

}  // namespace scry::fmt
