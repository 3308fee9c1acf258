// JSON forms of values and maps (schema: docs/json.md). The text formatter (value.h) and this
// one read the same bytes; only the rendering differs.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry::fmt {

// One value: integers as numbers, stacks as arrays of frames, tuples as arrays, the rest as
// the text print() shows.
nlohmann::ordered_json json_value(const Type& t, const uint8_t* p, const ValueNames& names);

// A map, as the "data" of its record: {"name": "@x", "value": V} without keys, else
// {"name": "@x", "entries": [{"key": K, "value": V}, ...]} in the order text output uses.
// `record_type` is set to "map", "hist" or "stats".
nlohmann::ordered_json json_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
                        const ValueNames& names, std::string& record_type);

}  // namespace scry::fmt
