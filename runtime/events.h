// The ring buffer consumer: turns records into output in the order the probes caused them.
#pragma once
#include <bpf/libbpf.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <functional>
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
  // Set by a signal handler (SIGINT, SIGTERM): reading stops at the next record, so that a
  // stream of events cannot keep scry from stopping.
  const volatile sig_atomic_t* stop_signal = nullptr;
  // While draining at the end: past this time (CLOCK_MONOTONIC ns, 0: none) reading stops.
  uint64_t drain_deadline = 0;
  bool left_unread = false;  // reading stopped with records still in the ring buffer
  bool discard = false;      // skip records (what is left after the probes stopped)
  uint64_t discarded = 0;
  bool flush_often = true;  // -B line/none: flush before cat() and system() read or run
  size_t cat_bytes_max = 10240;  // what cat() prints of a file, at most
  // print() snapshots whose entries are still coming, by generation.
  struct Snapshot {
    uint32_t map_id;
    uint64_t top, div, sent, lost;
    std::vector<MapEntry> entries;
  };
  std::map<uint64_t, Snapshot> snapshots;
  // watchpoint:FUNC+argN: setup probe `setup` saw `addr`; unwatch(addr). Set by the session.
  std::function<void(uint32_t setup, uint64_t addr)> watch;
  std::function<void(uint64_t addr)> unwatch;
};

// ring_buffer_sample_fn: handles one record. Returns kStopReading (negative, so that libbpf
// stops consuming) after exit(), on a signal, or past the drain deadline.
int handle_event(void* ctx, void* data, size_t size);
// One record to output; kStopReading after exit().
int handle_record(EventContext& ec, void* data, size_t size);
constexpr int kStopReading = -ECANCELED;

}  // namespace scry
