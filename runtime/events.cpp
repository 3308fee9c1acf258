#include "runtime/events.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "runtime/format/value.h"
#include "runtime/maps.h"
#include "runtime/printf.h"

namespace scry {

void print_map(EventContext& ec, uint32_t map_id, uint64_t top, uint64_t div) {
  const MapSpec& spec = ec.manifest->maps[map_id];
  auto entries = read_map(ec.map_fds[map_id], spec);
  std::string text = fmt::format_map(spec, entries, top, div, ec.names);
  fputs(text.c_str(), ec.out);
}

int handle_event(void* ctx, void* data, size_t size) {
  auto& ec = *static_cast<EventContext*>(ctx);
  if (ec.exit_requested || size < sizeof(EventHeader)) return 0;
  EventHeader h;
  std::memcpy(&h, data, sizeof h);
  const Manifest& m = *ec.manifest;
  switch (EventType(h.type)) {
    case EventType::Printf:
      if (h.id < m.printfs.size()) {
        std::string s = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        fwrite(s.data(), 1, s.size(), ec.out);
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
        fwrite(line.data(), 1, line.size(), ec.out);
      }
      break;
    case EventType::System:
      if (h.id < m.printfs.size()) {
        std::string cmd = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        fflush(ec.out);
        if (FILE* p = popen(cmd.c_str(), "r")) {
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, p)) > 0) fwrite(buf, 1, n, ec.out);
          pclose(p);
        }
      }
      break;
    case EventType::Cat:
      if (h.id < m.printfs.size()) {
        std::string path = format_printf(m.printfs[h.id], static_cast<uint8_t*>(data), size, ec.names);
        if (FILE* f = fopen(path.c_str(), "r")) {
          char buf[4096];
          size_t n;
          while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, ec.out);
          fclose(f);
        } else {
          fprintf(stderr, "WARNING: cat(): cannot open %s: %s\n", path.c_str(), strerror(errno));
        }
      }
      break;
    case EventType::Time:
      if (h.id < m.time_formats.size()) {
        char buf[256];
        time_t now = time(nullptr);
        struct tm tm;
        localtime_r(&now, &tm);
        size_t n = strftime(buf, sizeof buf, m.time_formats[h.id].c_str(), &tm);
        fwrite(buf, 1, n, ec.out);
      }
      break;
  }
  return 0;
}

}  // namespace scry
