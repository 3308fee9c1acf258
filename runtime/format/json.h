// JSON forms of values and maps, as bpftrace 0.17 writes them (docs/json.md): the same bytes the
// text formatter (value.h) reads, rendered with bpftrace's shapes and spacing, so that what
// reads bpftrace's JSON reads scry's.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry::fmt {

// A JSON string: quotes, escapes, and U+FFFD for bytes that are not UTF-8.
std::string json_string(const std::string& s);

// One value: integers (and pointers) as numbers, tuples and arrays as [a,b], structs as
// { "a": 1, "b": 2 }, the rest (strings, stacks, symbols...) as the string print() shows.
std::string json_value(const Type& t, const uint8_t* p, const ValueNames& names);

// A map, as the "data" of its record: {"@x": V} without keys, {"@x": {"k": V, ...}} with keys
// (the key's parts joined by ","), in the order the text output uses. `record_type` is set to
// "map", "hist" or "stats". "" for a map without entries: bpftrace prints nothing for those.
std::string json_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
                     const ValueNames& names, std::string& record_type);

}  // namespace scry::fmt
