// Reading maps from the kernel (per-CPU values combined) and operating on them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"

namespace scry {

struct MapEntry {
  std::vector<uint8_t> key;
  std::vector<uint8_t> value;  // one combined value (per-CPU slots folded together)
};

// All entries of a map, with per-CPU values folded: counts and sums added, min/max over the
// CPUs that saw a value, avg/stats counts and totals added, histogram buckets added.
std::vector<MapEntry> read_map(int fd, const MapSpec& spec);

// A bucketed map's entries, one per (key, bucket), put together: one entry per key whose value
// is its array of bucket counts.
std::vector<MapEntry> group_buckets(const MapSpec& spec, std::vector<MapEntry> raw);

// Folds the per-CPU slots of one raw value (for unit tests; read_map uses it).
std::vector<uint8_t> fold_percpu(const MapSpec& spec, const uint8_t* raw, int ncpus);

// Per-CPU counters of the drops map, summed: slot 0 ring buffer, 1 + i map i.
std::vector<uint64_t> read_drops(int fd, size_t slots);

}  // namespace scry
