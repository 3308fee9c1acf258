// A small program the runtime tests trace, so that every event they see is one they made.
//   scry_target open N PATH   open and close PATH N times
//   scry_target spin MS       keep a CPU busy for MS milliseconds (for profile:)
//   scry_target sleep MS      sleep MS milliseconds
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "open") == 0) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      int fd = open(argv[3], O_RDONLY);
      if (fd >= 0) close(fd);
    }
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "spin") == 0) {
    long long end = now_ms() + atoi(argv[2]);
    volatile unsigned long x = 0;
    while (now_ms() < end) x++;
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    usleep((useconds_t)atoi(argv[2]) * 1000);
    return 0;
  }
  fprintf(stderr, "usage: scry_target open N PATH | spin MS | sleep MS\n");
  return 2;
}
