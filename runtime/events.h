// The ring buffer consumer: turns records into output in the order the probes caused them.
#pragma once
#include <bpf/libbpf.h>

#include <cstdio>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/output/output.h"

namespace scry {

struct EventContext {
  const Manifest* manifest = nullptr;
  std::vector<int> map_fds;  // by map id
  ValueNames names;
  Output* output = nullptr;
  bool exit_requested = false;
};

// ring_buffer_sample_fn: handles one record; returns 1 after an exit() record to stop.
int handle_event(void* ctx, void* data, size_t size);

// Prints one map as print() and the end of the run do.
void print_map(EventContext& ec, uint32_t map_id, uint64_t top, uint64_t div);

}  // namespace scry
