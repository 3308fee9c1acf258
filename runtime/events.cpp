#include "runtime/events.h"

#include "runtime/format/wall_time.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "runtime/maps.h"
#include "runtime/printf.h"
#include "runtime/symbols/user_symbols.h"

namespace scry {

namespace {

// A print() whose entries have all come: printed, with a warning for those that did not fit.
void print_snapshot(EventContext& ec, uint64_t generation) {
  auto it = ec.snapshots.find(generation);
  EventContext::Snapshot s = std::move(it->second);
  ec.snapshots.erase(it);
  const MapSpec& spec = ec.manifest->maps[s.map_id];
  if (spec.bucketed) s.entries = group_buckets(spec, std::move(s.entries));
  ec.output->map(spec, std::move(s.entries), s.top, s.div);
  if (s.lost)
    ec.output->warning("print(" + spec.name + ") is missing " + std::to_string(s.lost) + " of its " +
                       std::to_string(s.sent + s.lost) + " entries: the ring buffer was full");
}

// At most `limit` bytes of what `f` gives.
std::string read_all(FILE* f, size_t limit = SIZE_MAX) {
  std::string out;
  char buf[4096];
  size_t n;
  while (out.size() < limit && (n = fread(buf, 1, std::min(sizeof buf, limit - out.size()), f)) > 0) out.append(buf, n);
  return out;
}

bool past(uint64_t deadline) {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec) > deadline;
}

// Whether reading stops after this record: a signal came (unless draining), or the drain's
// time is up.
bool stop_now(const EventContext& ec) {
  if (ec.drain_deadline) return past(ec.drain_deadline);
  return ec.stop_signal && *ec.stop_signal;
}

}  // namespace

// libbpf has consumed a record once it is handed over: it is handled even when reading stops
// right after it, so that none is lost between the last one shown and the first not read.
int handle_event(void* ctx, void* data, size_t size) {
  auto& ec = *static_cast<EventContext*>(ctx);
  if (ec.discard) {
    ec.discarded++;
    return 0;
  }
  if (ec.exit_requested) {  // nothing after exit() is shown
    ec.left_unread = true;
    return kStopReading;
  }
  int rc = handle_record(ec, data, size);
  if (rc == 0 && stop_now(ec)) {
    ec.left_unread = true;
    return kStopReading;
  }
  return rc;
}

int handle_record(EventContext& ec, void* data, size_t size) {
  if (size < sizeof(EventHeader)) return 0;
  EventHeader h;
  std::memcpy(&h, data, sizeof h);
  const Manifest& m = *ec.manifest;
  switch (EventType(h.type)) {
    case EventType::Printf:
      if (h.id < m.printfs.size()) {
        const PrintfSpec& spec = m.printfs[h.id];
        if (spec.print_value && !spec.args.empty() && spec.offsets[0] + spec.args[0].size <= size)
          ec.output->value(spec.args[0], static_cast<uint8_t*>(data) + spec.offsets[0]);
        else ec.output->text(EventType::Printf, format_printf(spec, static_cast<uint8_t*>(data), size, ec.names));
      }
      break;
    case EventType::HelperError:
      if (h.id < m.helper_sites.size() && size >= sizeof(EventHeader) + 8) {
        int64_t rc;
        std::memcpy(&rc, static_cast<uint8_t*>(data) + sizeof(EventHeader), sizeof rc);
        ec.output->helper_error(m.helper_sites[h.id], rc);
      }
      break;
    case EventType::WatchArm:
    case EventType::Unwatch:
      if (size >= sizeof(EventHeader) + 8) {
        uint64_t addr;
        std::memcpy(&addr, static_cast<uint8_t*>(data) + sizeof(EventHeader), sizeof addr);
        if (EventType(h.type) == EventType::WatchArm && ec.watch) ec.watch(uint32_t(h.id), addr);
        if (EventType(h.type) == EventType::Unwatch && ec.unwatch) ec.unwatch(addr);
      }
      break;
    case EventType::Exit:
      ec.exit_requested = true;
      return kStopReading;  // nothing after exit() is shown
    case EventType::Print:
      if (h.id < m.maps.size() && size >= sizeof(PrintRecord)) {
        PrintRecord r;
        std::memcpy(&r, data, sizeof r);
        ec.snapshots[r.generation] = {uint32_t(h.id), r.top, r.div, r.sent, r.lost, {}};
        if (r.sent == 0) print_snapshot(ec, r.generation);  // no entries to wait for
      }
      break;
    case EventType::PrintEntry: {
      if (h.id >= m.maps.size()) break;
      const MapSpec& spec = m.maps[h.id];
      uint32_t ks = spec.bpf_key_size(), vs = spec.bpf_value_size();
      PrintEntryLayout at = print_entry_layout(ks, vs);
      if (size < at.size) break;
      PrintEntryRecord r;
      std::memcpy(&r, data, sizeof r);
      auto it = ec.snapshots.find(r.generation);
      if (it == ec.snapshots.end()) break;
      const uint8_t* p = static_cast<const uint8_t*>(data);
      it->second.entries.push_back({std::vector<uint8_t>(p + at.key, p + at.key + ks),
                                    std::vector<uint8_t>(p + at.value, p + at.value + vs)});
      if (it->second.entries.size() >= it->second.sent) print_snapshot(ec, r.generation);
      break;
    }
    case EventType::Join:
      if (h.id < m.join_separators.size() && size >= sizeof h + kJoinArgs * kJoinArgLen) {
        std::string line;
        for (uint32_t i = 0; i < kJoinArgs; i++) {
          const char* a = static_cast<const char*>(data) + sizeof h + i * kJoinArgLen;
          if (!*a) break;
          if (i) line += m.join_separators[h.id];
          line.append(a, strnlen(a, kJoinArgLen));
        }
        line += "\n";
        ec.output->text(EventType::Join, line);
      }
      break;
    case EventType::System:
      if (h.id < m.printfs.size()) {
        std::string cmd = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        if (ec.flush_often) fflush(ec.output->stream());  // the command may read what came before
        if (FILE* p = popen(cmd.c_str(), "r")) {
          ec.output->text(EventType::System, read_all(p));
          pclose(p);
        }
      }
      break;
    case EventType::Cat:
      if (h.id < m.printfs.size()) {
        std::string path = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        if (ec.flush_often) fflush(ec.output->stream());  // the file may be scry's own output
        if (FILE* f = fopen(path.c_str(), "r")) {
          ec.output->text(EventType::Cat, read_all(f, ec.cat_bytes_max));
          fclose(f);
        } else {
          // As bpftrace: an error, and the program goes on.
          ec.output->error("failed to open file '" + path + "': " + strerror(errno));
        }
      }
      break;
    case EventType::NewPid:
      UserSymbols::get().note_process(uint32_t(h.id));
      break;
    case EventType::Time:
      if (h.id < m.time_formats.size()) {
        ec.output->text(EventType::Time, fmt::format_wall_time(m.time_formats[h.id], fmt::wall_now_ns()));
      }
      break;
  }
  return 0;
}

}  // namespace scry
