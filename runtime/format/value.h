// Text formatting of keys, values and whole maps, as bpftrace 0.17 prints them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry::fmt {

// How values of TypeKind::Special print: the builtin that makes them knows (its registry entry
// has the printer). The runtime asks `lookup` for the printer of a kind; scry installs the
// builtin registry's lookup before anything prints. Without one, the value prints in hex.
using SpecialPrinter = std::string (*)(const Type& t, const uint8_t* p, const ValueNames& names);
void set_special_printers(SpecialPrinter (*lookup)(const std::string& kind));

// One value of type `t` stored at `p` (integers as 64 bits): "42", "-1", "text", "(1, a)".
// Stacks print one frame a line, indented by `indent` spaces (4 in maps, 8 in printf).
// Structs print as "{ .a = 1, .b = x }" and arrays as "[1,2]"; `compact` (map keys) prints
// structs as "{.a=1,.b=x}", as bpftrace does.
// A buf() value ({u64 length, bytes} in `size` bytes) as printf shows it: with style 0 (%r)
// printable bytes as they are and others as \xNN; 'x' (%rx) every byte as \xNN; 'h' (%rh)
// every byte as two hex digits, separated by spaces.
std::string format_buffer(const uint8_t* p, uint32_t size, char style = 0);

std::string format_scalar(const Type& t, const uint8_t* p, const ValueNames& names, int indent = 4,
                          bool compact = false);

// An integer of a copied struct or array: `t.size` bytes (a bitfield if field.bits), as 64 bits.
uint64_t member_int(const Type& t, const Type::Field& field, const uint8_t* p);

// "[1, abc]" for a key, "" for a scalar map.
std::string format_key(const MapSpec& spec, const uint8_t* key, const ValueNames& names);

// Entries in print order: by value ascending (the largest last), equal values by key bytes;
// only the last `top` when top > 0.
std::vector<MapEntry> sorted_entries(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top);

// The text print(@m, top, div) writes (top 0: all entries; div 0: no division).
std::string format_map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div,
                       const ValueNames& names);

// Every map in name order; when the run ends (`at_exit`) after a blank line pair.
std::string format_all_maps(const Manifest& m, const std::vector<std::vector<MapEntry>>& entries,
                            const ValueNames& names, bool at_exit);

// The u64 at `p` (map values and records are u64 words, not always aligned); an integer's
// decimal text.
uint64_t word_at(const uint8_t* p);
std::string int_text(uint64_t v, bool is_signed);

// The values bucket i of a hist/lhist/llhist holds, from `lo` to `hi` inclusive, as text; ""
// for an open end (below the first bucket, above the last).
struct BucketBounds {
  std::string lo, hi;
};
BucketBounds bucket_bounds(const Type& t, size_t i);

}  // namespace scry::fmt
