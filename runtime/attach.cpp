#include "runtime/attach.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <cstring>

#include "runtime/probes/attacher.h"

namespace scry {

bool Attachments::run_iterators(std::string& error) {
  for (bpf_link* link : iterators) {
    int fd = bpf_iter_create(bpf_link__fd(link));
    if (fd < 0) {
      error = std::string("could not start an iterator: ") + strerror(errno);
      return false;
    }
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
  }
  return true;
}

void Attachments::detach_all() {
  iterators.clear();
  watched.clear();
  if (links.size() < 4) {
    links.clear();
    return;
  }
  size_t nthreads = std::min<size_t>(links.size(), 64);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < nthreads; t++)
    threads.emplace_back([&] {
      for (size_t i = next++; i < links.size(); i = next++) links[i].reset();
    });
  for (auto& th : threads) th.join();
  links.clear();
}

bool keep_link(bpf_link* link, const ProbeSpec& p, Attachments& out, std::string& error) {
  if (!link) {
    error = "could not attach " + p.name + ": " + strerror(errno);
    return false;
  }
  out.links.emplace_back(link);
  return true;
}

namespace {

const Attacher* attacher_entry(ProbeKind kind) {
  for (auto* file : {&special_attachers(), &tracepoint_attachers(), &perf_event_attachers(), &kprobe_attachers(),
                     &uprobe_attachers(), &usdt_attachers(), &btf_attachers(), &iter_attachers(),
                     &watchpoint_attachers()})
    for (const Attacher& a : *file)
      for (ProbeKind k : a.kinds)
        if (k == kind) return &a;
  return nullptr;
}

AttachFn attacher_for(ProbeKind kind) {
  const Attacher* a = attacher_entry(kind);
  return a ? a->attach : nullptr;
}

// The order to attach in, so that probes on one event run in the script's order (as in
// bpftrace): the script's, except that the blocks of kinds whose programs run newest first
// attach last block first (the probes of one block, which are on different events, in order).
std::vector<const ProbeSpec*> attach_order(const Manifest& m) {
  std::vector<const ProbeSpec*> order, reversed;
  for (auto& p : m.probes) {
    const Attacher* a = attacher_entry(p.kind);
    (a && a->newest_first ? reversed : order).push_back(&p);
  }
  std::stable_sort(reversed.begin(), reversed.end(),
                   [](const ProbeSpec* a, const ProbeSpec* b) { return a->block > b->block; });
  order.insert(order.end(), reversed.begin(), reversed.end());
  return order;
}

}  // namespace

size_t probe_count(const Manifest& m, bool kprobe_multi) {
  size_t n = 0;
  for (auto& p : m.probes) n += p.listed;
  // bpftrace counts a kprobe_multi program once, not each function it attaches to.
  if (kprobe_multi)
    for (auto& p : m.probes)
      if (!p.funcs.empty()) n = n - p.funcs.size() + 1;
  return n;
}

bool attach_probes(bpf_object* obj, const Manifest& m, int pid, bool warn_only, Attachments& out,
                   std::string& error, std::vector<std::string>& skipped_messages) {
  size_t skipped = 0;
  for (const ProbeSpec* probe : attach_order(m)) {
    const ProbeSpec& p = *probe;
    if (!p.attach) continue;
    bpf_program* prog = bpf_object__find_program_by_name(obj, p.prog_name.c_str());
    if (!prog) {
      error = "internal error: program " + p.prog_name + " of " + p.name + " is missing";
      out.detach_all();
      return false;
    }
    AttachFn attach = attacher_for(p.kind);
    if (!attach) continue;  // BEGIN and END: run, not attached
    bool ok = attach(prog, p, pid, out, error);
    if (!ok && warn_only) {
      skipped_messages.push_back(error);
      error.clear();
      skipped++;
      continue;
    }
    if (!ok) {
      out.detach_all();
      return false;
    }
  }
  size_t attachable = 0;
  for (auto& p : m.probes) attachable += p.attach && attacher_for(p.kind);
  if (attachable && skipped == attachable) {
    error = "none of the probes could be attached";
    out.detach_all();
    return false;
  }
  return true;
}

bool run_special(bpf_object* obj, const Manifest& m, ProbeKind kind, std::string& error) {
  for (auto& p : m.probes) {
    if (p.kind != kind) continue;
    bpf_program* prog = bpf_object__find_program_by_name(obj, p.prog_name.c_str());
    if (!prog) continue;
    uint64_t ctx[1] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof ctx);
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) {
      error = "could not run " + p.name + ": " + strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace scry
