// The folded form of a map, one line per entry, that flame graph tools read (flamegraph.pl,
// inferno, speedscope): frames from the root down joined by ';', a space, then the count.
//   @[kstack, ustack, comm] = count()  ->  "bash;main;read;__x64_sys_read_[k];vfs_read_[k] 12"
// Parts, left to right: key elements that are not stacks (comm, pid...), then user stacks,
// then kernel stacks (frames marked _[k]), each from its outermost frame.
#pragma once
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry::fmt {

// Whether a map's values are counts that can be folded (count, sum, integers).
bool foldable(const MapSpec& spec);

std::string format_folded(const MapSpec& spec, std::vector<MapEntry> entries, const ValueNames& names);

}  // namespace scry::fmt
