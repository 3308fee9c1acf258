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
  // Entries of print() snapshots, by generation, until their Print record arrives.
  std::map<uint64_t, std::vector<MapEntry>> snapshots;
};

// ring_buffer_sample_fn: handles one record; returns 1 after an exit() record to stop.
int handle_event(void* ctx, void* data, size_t size);

}  // namespace scry
