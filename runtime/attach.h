// Attaching probes to their events: a dispatcher to each provider's run-time half
// (runtime/probes/<provider>.cpp), and the links that keep them attached.
#pragma once
#include <string>
#include <vector>

#include "runtime/loader.h"
#include "runtime/manifest.h"

namespace scry {

// Owns every link; destroying it detaches all probes.
struct Attachments {
  std::vector<BpfLinkPtr> links;
  std::vector<bpf_link*> iterators;  // iter: links (owned by `links`), run once after BEGIN
  // Watchpoints on function arguments, attached while running: (setup probe, address), link.
  std::vector<std::pair<std::pair<uint32_t, uint64_t>, BpfLinkPtr>> watched;
  // Detaching a tracepoint waits for an RCU grace period (about 70 ms here); done one by one,
  // 360 probes take 26 s. Many threads detaching at once share those grace periods.
  void detach_all();
  // Runs each iterator to its end (reading its seq file makes the kernel call the program).
  bool run_iterators(std::string& error);
  ~Attachments() { detach_all(); }
};

// Attaches every probe except BEGIN and END (those are run, not attached). On failure sets
// `error` to a message naming the probe and returns false; nothing stays attached then.
// `pid` (-p, or the -c command): uprobes fire only in that process (0: in every process).
// With `warn_only` (--missing-probes=warn) a probe that cannot attach is a warning, not an
// error, as long as some probe attaches: each such probe's message is added to `skipped`.
bool attach_probes(bpf_object* obj, const Manifest& m, int pid, bool warn_only, Attachments& out,
                   std::string& error, std::vector<std::string>& skipped);

// watchpoint:FUNC+argN: attaches the watchpoint that setup probe `setup` arms on `addr` in
// process `pid` (once per address). On failure says why in `error`.
bool arm_watchpoint(bpf_object* obj, const Manifest& m, uint32_t setup, uint64_t addr, int pid, Attachments& out,
                    std::string& error);
// unwatch(addr): detaches the watchpoints on `addr`.
void unwatch(Attachments& out, uint64_t addr);

// Runs the BEGIN or END programs once, in declaration order (BPF_PROG_TEST_RUN).
bool run_special(bpf_object* obj, const Manifest& m, ProbeKind kind, std::string& error);

// The number bpftrace shows in "Attaching N probes...", where a wildcard's shared kprobe
// program counts once if it attaches through a kprobe_multi link, else once per function.
size_t probe_count(const Manifest& m, bool kprobe_multi);

}  // namespace scry
