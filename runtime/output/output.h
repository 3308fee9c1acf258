// Where everything a run reports goes, in one of three forms: text as bpftrace prints it,
// JSON lines (docs/json.md), or text with maps folded for flame graphs. The event loop and
// the driver say what happened; an Output decides how it looks.
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/maps.h"

namespace scry {

enum class OutputFormat { Text, Json, Folded };

// A compile-time diagnostic, as plain data (the runtime does not know the compiler's types).
struct DiagnosticRecord {
  bool error = true;    // else a warning
  std::string id;       // "E0013"
  std::string file;
  int line = 0, col = 0, end_col = 0;  // line 0: no location
  std::string message;
  std::vector<std::string> notes;
  std::string rendered;  // the clang-style text with the source line and caret
};

class Output {
 public:
  explicit Output(FILE* out) : out_(out) {}
  virtual ~Output() = default;
  void set_names(const ValueNames* names) { names_ = names; }
  FILE* stream() const { return out_; }

  virtual void attached(size_t probes) = 0;
  // Text a statement produced: printf, time, join, system's output, cat's file.
  virtual void text(EventType kind, const std::string& s) = 0;
  virtual void value(const Type& t, const uint8_t* p) = 0;  // print(value)
  virtual void map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div) = 0;
  // Every map, in name order: when the run ends (`at_exit`, after two empty lines as bpftrace
  // prints them), or on SIGUSR1 (without them).
  virtual void all_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all, bool at_exit) = 0;
  virtual void lost_events(uint64_t lost, uint64_t total) = 0;
  virtual void map_full(const MapSpec& spec, uint64_t dropped, uint64_t total) = 0;
  virtual void attach_error(const std::string& message, bool fatal) = 0;
  virtual void warning(const std::string& message) = 0;
  virtual void error(const std::string& message) = 0;
  virtual void diagnostic(const DiagnosticRecord& d) = 0;
  // -k/-kk: a helper call at `site` failed with `rc` (0: a lookup found nothing).
  virtual void helper_error(const HelperSite& site, int64_t rc) = 0;

 protected:
  // Writes one whole record (a printf's text, a map, a JSON line). The stream's buffer is big;
  // it is flushed here past 64 KiB, always between records, so that what another writer to the
  // same file (the -c command) writes never lands inside one of them.
  void put(const std::string& record);
  FILE* out_;
  const ValueNames* names_ = nullptr;
  size_t unflushed_ = 0;
};

// The output stream's buffer (set with setvbuf by the command line): bigger than the 64 KiB
// put() flushes at, so stdio never flushes in the middle of a record on its own.
constexpr size_t kOutputBuffer = 1 << 20;

std::unique_ptr<Output> make_output(OutputFormat f, FILE* out);

}  // namespace scry
