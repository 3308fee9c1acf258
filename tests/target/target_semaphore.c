// A USDT probe with a semaphore: the program checks it and fires the probe only while a
// tracer has it enabled (the kernel counts it up for each attached uprobe).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short scry_ping_semaphore __attribute__((section(".probes"))) = 0;

void scry_target_ping(int n) {
  if (scry_ping_semaphore) DTRACE_PROBE1(scry, ping, n);
}
