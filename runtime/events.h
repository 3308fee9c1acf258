// The ring buffer consumer: turns records into output in the order the probes caused them.
#pragma once
#include <bpf/libbpf.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"
#include "runtime/output/output.h"

namespace scry {

struct EventContext {
  const Manifest* manifest = nullptr;
  std::vector<int> map_fds;  // by map id
  ValueNames names;
  Output* output = nullptr;
  bool exit_requested = false;
  bool flush_often = true;  // -B line/none: flush before cat() and system() read or run
  // print() snapshots whose entries are still coming, by generation.
  struct Snapshot {
    uint32_t map_id;
    uint64_t top, div, sent, lost;
    std::vector<MapEntry> entries;
  };
  std::map<uint64_t, Snapshot> snapshots;
};

// ring_buffer_sample_fn: handles one record; returns 1 after an exit() record to stop.
int handle_event(void* ctx, void* data, size_t size);

}  // namespace scry
