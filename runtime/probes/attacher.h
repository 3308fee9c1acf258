// The run-time half of each probe provider: attaching a loaded program to its events. One
// file per provider (runtime/probes/<provider>.cpp), beside its compile-time half
// (src/probes/<provider>.cpp).
#pragma once
#include <string>
#include <vector>

#include "runtime/attach.h"

namespace scry {

// Attaches `prog` for probe `p`, keeping its links in `out`; on failure says why in `error`
// (naming the probe) and returns false. `pid` (-p, or the -c command; 0: none) restricts
// uprobes to that process and gives watchpoints their process.
using AttachFn = bool (*)(bpf_program* prog, const ProbeSpec& p, int pid, Attachments& out, std::string& error);

struct Attacher {
  std::vector<ProbeKind> kinds;
  AttachFn attach;  // nullptr: not attached (BEGIN and END are run, see run_special)
  // The kernel runs the programs on one event of this kind newest first: kprobes and uprobes
  // (their handlers are a list added to at its head), perf events (software, hardware,
  // watchpoints). Tracepoints' and raw tracepoints' programs run oldest first.
  bool newest_first = false;
};

// Keeps `link`, or says why there is none (errno); false then.
bool keep_link(bpf_link* link, const ProbeSpec& p, Attachments& out, std::string& error);

// The attachers, one list per file.
const std::vector<Attacher>& special_attachers();
const std::vector<Attacher>& tracepoint_attachers();
const std::vector<Attacher>& perf_event_attachers();
const std::vector<Attacher>& kprobe_attachers();
const std::vector<Attacher>& uprobe_attachers();
const std::vector<Attacher>& usdt_attachers();
const std::vector<Attacher>& btf_attachers();
const std::vector<Attacher>& iter_attachers();
const std::vector<Attacher>& watchpoint_attachers();

}  // namespace scry
