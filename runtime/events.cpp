#include "runtime/events.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "runtime/maps.h"
#include "runtime/printf.h"
#include "runtime/symbols/user_symbols.h"

namespace scry {

void print_map(EventContext& ec, uint32_t map_id, uint64_t top, uint64_t div) {
  const MapSpec& spec = ec.manifest->maps[map_id];
  ec.output->map(spec, read_map(ec.map_fds[map_id], spec), top, div);
}

namespace {

std::string read_all(FILE* f) {
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

}  // namespace

int handle_event(void* ctx, void* data, size_t size) {
  auto& ec = *static_cast<EventContext*>(ctx);
  if (ec.exit_requested || size < sizeof(EventHeader)) return 0;
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
    case EventType::Exit:
      ec.exit_requested = true;
      return 1;  // stop consuming: nothing after exit() is shown
    case EventType::Print:
      if (h.id < m.maps.size() && size >= sizeof h + 16) {
        uint64_t top, div;
        std::memcpy(&top, static_cast<uint8_t*>(data) + 16, 8);
        std::memcpy(&div, static_cast<uint8_t*>(data) + 24, 8);
        print_map(ec, uint32_t(h.id), top, div);
      }
      break;
    case EventType::Clear:
      if (h.id < m.maps.size()) clear_map(ec.map_fds[h.id], m.maps[h.id]);
      break;
    case EventType::Zero:
      if (h.id < m.maps.size()) zero_map(ec.map_fds[h.id], m.maps[h.id]);
      break;
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
        fflush(ec.output->stream());
        if (FILE* p = popen(cmd.c_str(), "r")) {
          ec.output->text(EventType::System, read_all(p));
          pclose(p);
        }
      }
      break;
    case EventType::Cat:
      if (h.id < m.printfs.size()) {
        std::string path = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        if (FILE* f = fopen(path.c_str(), "r")) {
          ec.output->text(EventType::Cat, read_all(f));
          fclose(f);
        } else {
          ec.output->warning("cat(): cannot open " + path + ": " + strerror(errno));
        }
      }
      break;
    case EventType::NewPid:
      UserSymbols::get().note_process(uint32_t(h.id));
      break;
    case EventType::Time:
      if (h.id < m.time_formats.size()) {
        char buf[256];
        time_t now = time(nullptr);
        struct tm tm;
        localtime_r(&now, &tm);
        size_t n = strftime(buf, sizeof buf, m.time_formats[h.id].c_str(), &tm);
        ec.output->text(EventType::Time, std::string(buf, n));
      }
      break;
  }
  return 0;
}

}  // namespace scry
