// The Manifest: everything the runtime needs besides the BPF ELF object. Plain data; the
// runtime never sees the AST or LLVM, only (ELF bytes, Manifest).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/types/type.h"

namespace scry {

enum class ProbeKind { Begin, End, Tracepoint, Interval, Profile, Kprobe, Kretprobe, Uprobe, Uretprobe,
                       Software, Hardware, RawTracepoint, Fentry, Fexit, Iter, Watchpoint, Usdt,
                       // watchpoint:FUNC+argN: a uprobe on FUNC that sends argN's address for scry to
                       // watch (the Watchpoint probe after it, which is attached then)
                       WatchpointSetup };

struct ProbeSpec {
  ProbeKind kind = ProbeKind::Begin;
  // A raw_syscalls program that stands in for many syscalls: tracepoints is attached but not
  // listed; each of those tracepoints is listed (and named by `probe`) but not attached.
  bool attach = true, listed = true;
  std::string name;       // as the `probe` builtin prints it: "tracepoint:syscalls:sys_enter_openat"
  std::string prog_name;  // function name in the ELF object
  std::string category, event;  // tracepoint
  uint64_t period_ns = 0;       // interval
  uint64_t freq_hz = 0;         // profile
  std::string path;             // uprobes: the binary or library
  std::string func;             // kprobes and uprobes: the function to attach to by name
  std::string func_display;     // what `func` prints, when not `func` (uprobes by offset)
  // kprobes: the kernel functions one program shared by a wildcard's matches attaches to;
  // `func` is then empty, and each link's attach cookie is the id of that function's probe.
  std::vector<std::string> funcs;
  uint32_t funcs_base = 0;      // the probe id of funcs[0] (the next functions follow it)
  uint64_t offset = 0;          // kprobe/uprobe: FUNC+OFFSET
  uint64_t sw_config = 0;       // software: PERF_COUNT_SW_*; hardware: PERF_COUNT_HW_*
  uint64_t sw_period = 0;       // software: events per sample
  std::string hint;             // kprobes: tracepoints to try instead, if this cannot attach
  uint64_t ref_ctr_offset = 0;  // usdt: file offset of the probe's semaphore (0: none)
  uint64_t wp_addr = 0;         // watchpoint: address, length, and mode bits (1 r, 2 w, 4 x)
  uint32_t wp_len = 0, wp_mode = 0;
  uint32_t wp_arg = 0;          // watchpoint setup: which argument holds the address
  bool wp_async = false;        // asyncwatchpoint: the process is not stopped while scry attaches
  uint32_t block = 0;           // which of the script's probe blocks this comes from (attach order)
};

struct MapSpec {
  std::string name;      // "@x", "@" for the anonymous map
  std::string bpf_name;  // map name in the ELF object
  Type key;              // None: a scalar map (key is the u64 0)
  Type value;
  uint32_t max_entries = 0;
  bool percpu = false;   // aggregations keep one value per CPU, summed when read
  // hist/lhist/llhist: the BPF map has one entry per (key, bucket) in use, a u64 count per CPU,
  // as bpftrace keeps them: kernel memory grows with the buckets used, not with every bucket
  // of every key (an lhist of 1,000 buckets would take 8 KB per key per CPU). User space puts
  // each key's buckets back together (group_buckets) into `value`, an array of counts.
  bool bucketed = false;
  // Bucketed maps compiled for --metrics: bucket index value.buckets() holds the sum of the
  // values (a histogram's _sum in Prometheus); group_buckets puts it after the counts.
  bool hist_sum = false;
  // A label name for each part of the key (--metrics): the builtin, field or variable the first
  // use's key expression is (comm, pid, filename), or key0, key1... by position.
  std::vector<std::string> key_names;
  uint32_t key_size() const { return key.kind == TypeKind::None ? 8 : key.size; }
  // The BPF map's own key and value: for a bucketed map, the key padded to 8 bytes then the
  // u64 bucket index; the value a u64.
  uint32_t bpf_key_size() const { return bucketed ? (key_size() + 7) / 8 * 8 + 8 : key_size(); }
  uint32_t bpf_value_size() const { return bucketed ? 8 : value.value_size(); }
  // Bucket indexes in the BPF map: the buckets, then the sum when there is one.
  uint32_t bucket_slots() const { return value.buckets() + (hist_sum ? 1 : 0); }
};

// A stack trace map: kstack/ustack values of up to `frames` frames are ids in it.
struct StackMapSpec {
  std::string bpf_name;
  uint32_t frames = 0;
};

struct PrintfSpec {
  bool print_value = false;  // print(value): the one argument as print() shows it, then "\n"
  std::string format;
  std::vector<Type> args;
  std::vector<uint32_t> offsets;  // of each argument, from the start of the event
};

// Every ring buffer record starts with these two u64 words.
enum class EventType : uint64_t {
  Printf = 1, Exit = 2, Print = 3, Time = 6,  // 4 and 5 were clear and zero, now done in the kernel
  Join = 7,    // id: separator index; then kJoinArgs strings of kJoinArgLen bytes ("" ends)
  System = 8,  // like Printf; the text is run as a shell command
  Cat = 9,     // like Printf; the text names a file to print
  NewPid = 10,  // id: a pid whose user addresses will need names (read its mappings now)
  PrintEntry = 11,  // id: map; one entry of a print() snapshot (PrintEntryRecord)
  HelperError = 12,  // id: helper site (-k, -kk); then the helper's int64 return code
  WatchArm = 13,     // id: a WatchpointSetup probe; then the u64 address to watch
  Unwatch = 14,      // then the u64 address whose watchpoints go
};
constexpr uint32_t kJoinArgs = 16, kJoinArgLen = 64;
struct EventHeader {
  uint64_t type;
  uint64_t id;  // printf / map / time format index
};
// print(@m) sends the map as it is at that moment: a Print record, then a PrintEntry record
// per entry (per-CPU values merged). Both carry the print's generation, which tells one
// print's entries from another's (prints on other CPUs may come in between).
struct PrintEntryRecord {  // followed by the key (padded to 8 bytes), then the value
  EventHeader h;
  uint64_t generation;
};
// Where a PrintEntry record holds the key and the value, and its size.
struct PrintEntryLayout {
  uint32_t key, value, size;
};
inline PrintEntryLayout print_entry_layout(uint32_t key_size, uint32_t value_size) {
  uint32_t key = sizeof(PrintEntryRecord), value = key + (key_size + 7) / 8 * 8;
  return {key, value, value + value_size};
}
struct PrintRecord {
  EventHeader h;
  uint64_t top, div;  // print(@m, top, div); 0: all entries, no division
  uint64_t generation;
  uint64_t sent, lost;  // entries sent, and entries the full ring buffer could not take
};

// The u64 slots of the programs' globals (.bss).
enum GlobalSlot : uint32_t {
  kGlobalStart = 0,       // when scry started (`elapsed`), monotonic ns
  kGlobalCpid = 1,        // the -c command's pid
  kGlobalGeneration = 2,  // print() snapshots, counted
  kGlobalExit = 3,        // exit() was called: probes do nothing more, and scry stops (the Exit
                          // record may not fit in a full ring buffer; this always tells)
  kGlobalParamCount = 4,  // a compiled program's $# (Manifest::runtime_params)
  kGlobalParams = 5,      // its $1 .. $kMaxRuntimeParams, numbers given when it runs
  kGlobalSlots = 5 + 16,
};
constexpr uint32_t kMaxRuntimeParams = 16;

// Slots of the per-CPU "drops" counter array: what was lost, so it can be reported.
constexpr uint32_t kDropRingbuf = 0;
inline uint32_t drop_slot_for_map(uint32_t map_id) { return 1 + map_id; }

// What values that are indices print as: probe ids (`probe`) and their functions (`func`).
struct ValueNames {
  std::vector<std::string> probes, funcs;
  std::map<uint32_t, int> stack_fds;  // stack trace maps by depth, to print kstack/ustack values
  std::vector<std::string> time_formats;  // strftime() formats
  std::vector<std::string> cgroup_filters;  // cgroup_path() hierarchy filters ("*": all)
};

// -k/-kk: a BPF helper call whose failure the program reports, and where the script made it.
struct HelperSite {
  std::string helper;  // as bpftrace names it: "map_update_elem", "probe_read"
  int line = 0, col = 0, end_col = 0;
  std::string file, source;  // the script's name ("stdin" for -e) and line, for the warning
};

struct Manifest {
  std::vector<ProbeSpec> probes;
  std::vector<MapSpec> maps;
  std::vector<PrintfSpec> printfs;
  std::vector<std::string> time_formats;
  std::vector<std::string> join_separators;
  std::vector<std::string> cgroup_filters;  // cgroup_path()'s second argument, "*" if none
  std::vector<StackMapSpec> stack_maps;  // one per stack depth the script uses
  std::string ringbuf_map = "events";
  std::string drops_map = "drops";
  // The programs' global variables, in .bss (plain memory to them, a one-element array map
  // to scry): u64 slots, see GlobalSlot.
  std::string globals_map = ".bss";
  uint32_t ringbuf_size = 1 << 22;
  // -k (1): failed map updates and deletes are reported at run time; -kk (2): also map
  // lookups that find nothing and failed memory reads. Read by code generation.
  uint32_t helper_check = 0;
  bool needs_unsafe = false;  // uses system() or signal(): runs only with --unsafe
  // A program compiled to a file without parameters (scry --compile): $1..$N and $# are
  // read when it runs, from the globals, numbers its command line gives.
  bool runtime_params = false;
  std::vector<HelperSite> helper_sites;
  // Files the compiler read besides the script (cgroupid() paths; uprobe binaries are in
  // `probes`): the compile cache checks them. Not used at run time.
  std::vector<std::string> compile_inputs;
};

}  // namespace scry
