// Facts of the kernel's ABI that scry's generated programs and the runtime depend on, in one
// place: BPF helper ids and flags, map types, x86-64 struct pt_regs, and the layouts of the
// aggregation values the programs update and the runtime reads. (Ring buffer record layouts
// are in runtime/manifest.h.)
#pragma once
#include <cstdint>
#include <string>

namespace scry::abi {

// BPF helper ids (include/uapi/linux/bpf.h, ___BPF_FUNC_MAPPER order).
enum Helper : int {
  kMapLookup = 1,
  kMapUpdate = 2,
  kMapDelete = 3,
  kProbeRead = 4,
  kKtimeGetNs = 5,
  kTracePrintk = 6,
  kGetPrandomU32 = 7,
  kGetSmpProcessorId = 8,
  kGetCurrentPidTgid = 14,
  kGetCurrentUidGid = 15,
  kGetCurrentComm = 16,
  kGetStackid = 27,
  kGetCurrentTask = 35,
  kGetNumaNodeId = 42,
  kGetCurrentCgroupId = 80,
  kSendSignal = 109,
  kProbeReadUser = 112,
  kProbeReadKernel = 113,
  kProbeReadUserStr = 114,
  kProbeReadKernelStr = 115,
  kRingbufReserve = 131,
  kRingbufSubmit = 132,
  kCopyFromUser = 148,
  kForEachMapElem = 164,
  kGetAttachCookie = 174,
  kTraceVprintk = 177,
  kLoop = 181,
  kMapLookupPercpuElem = 195,
};

// Map types (enum bpf_map_type) and update flags.
enum MapType : int {
  kHash = 1,
  kArray = 2,
  kPercpuHash = 5,
  kPercpuArray = 6,
  kStackTrace = 7,
  kLruHash = 9,
  kRingbuf = 27,
};
constexpr uint64_t kNoExist = 1;      // BPF_NOEXIST
constexpr uint64_t kUserStack = 256;  // BPF_F_USER_STACK, for bpf_get_stackid
constexpr int64_t kErrExist = -17;    // -EEXIST
constexpr uint64_t kSigStop = 19;     // SIGSTOP: bpf_send_signal stops the process until scry is ready

// x86-64 struct pt_regs: kprobe and uprobe programs get it as their context, perf event
// programs (profile, software, hardware, watchpoint) as the first member of theirs.
namespace pt_regs {
constexpr uint32_t kR15 = 0, kR14 = 8, kR13 = 16, kR12 = 24, kBp = 32, kBx = 40, kR11 = 48, kR10 = 56, kR9 = 64,
                   kR8 = 72, kAx = 80, kCx = 88, kDx = 96, kSi = 104, kDi = 112, kOrigAx = 120, kIp = 128, kCs = 136,
                   kFlags = 144, kSp = 152, kSs = 160;
// The six integer arguments of the System V calling convention, in order.
constexpr uint32_t kArgs[] = {kDi, kSi, kDx, kCx, kR8, kR9};
constexpr uint32_t kReturnValue = kAx;
// A register by the name reg() takes ("ip", "r8"); -1 if there is none.
int offset_of(const std::string& name);
}  // namespace pt_regs

// Aggregation values: per CPU, 8-byte words.
namespace agg {
constexpr uint32_t kCountSize = 8;    // count, sum: the u64
constexpr uint32_t kMinMaxSize = 16;  // min, max: {value, seen}; a CPU with seen == 0 saw none
constexpr uint32_t kAvgSize = 16;     // avg, stats: {count, total}
constexpr uint32_t kStddevSize = 24;  // stddev: {count, total, sum of squares}
// hist, lhist, llhist: one u64 per bucket, then the sum of the values (for JSON's "sum").
}  // namespace agg

}  // namespace scry::abi
