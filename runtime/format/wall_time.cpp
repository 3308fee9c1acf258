#include "runtime/format/wall_time.h"

#include <time.h>

#include <cstdio>

namespace scry::fmt {

static int64_t ns_of(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return int64_t(ts.tv_sec) * 1000000000ll + ts.tv_nsec;
}

int64_t boot_to_wall_ns() {
  static const int64_t offset = ns_of(CLOCK_REALTIME) - ns_of(CLOCK_MONOTONIC);
  return offset;
}

int64_t wall_now_ns() { return ns_of(CLOCK_REALTIME); }

std::string format_wall_time(const std::string& format, int64_t wall_ns) {
  int64_t secs = wall_ns / 1000000000ll, rem = wall_ns % 1000000000ll;
  if (rem < 0) {
    secs--;
    rem += 1000000000ll;
  }
  // %f first (strftime does not know it); %% is kept for strftime.
  std::string f;
  char micros[8];
  snprintf(micros, sizeof micros, "%06lld", (long long)(rem / 1000));
  for (size_t i = 0; i < format.size(); i++) {
    if (format[i] == '%' && i + 1 < format.size()) {
      if (format[i + 1] == 'f') f += micros;
      else f += format.substr(i, 2);
      i++;
    } else {
      f += format[i];
    }
  }
  time_t t = time_t(secs);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[512];
  size_t n = f.empty() ? 0 : strftime(buf, sizeof buf, f.c_str(), &tm);
  return std::string(buf, n);
}

}  // namespace scry::fmt
