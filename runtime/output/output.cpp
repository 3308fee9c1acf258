#include "runtime/output/output.h"

#include <algorithm>
#include <cstring>

#include "runtime/format/folded.h"
#include "runtime/format/json.h"
#include "runtime/format/value.h"

namespace scry {

void Output::put(const std::string& record) {
  fwrite(record.data(), 1, record.size(), out_);
  unflushed_ += record.size();
  if (unflushed_ > (64u << 10)) {
    fflush(out_);
    unflushed_ = 0;
  }
}

namespace {

// bpftrace's text: output on `out`, problems on stderr.
class TextOutput : public Output {
 public:
  using Output::Output;
  void attached(size_t n) override {
    put("Attaching " + std::to_string(n) + " probe" + (n == 1 ? "" : "s") + "...\n");
    fflush(out_);
  }
  void text(EventType, const std::string& s) override { put(s); }
  void value(const Type& t, const uint8_t* p) override { put(fmt::format_scalar(t, p, *names_, 8) + "\n"); }
  void map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div) override {
    put(fmt::format_map(spec, std::move(entries), top, div, *names_));
  }
  void all_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all, bool at_exit) override {
    put(fmt::format_all_maps(m, all, *names_, at_exit));
  }
  void lost_events(uint64_t lost, uint64_t) override {
    fflush(out_);
    fprintf(stderr, "WARNING: %llu events lost: the ring buffer was full\n", (unsigned long long)lost);
  }
  void map_full(const MapSpec& spec, uint64_t dropped, uint64_t) override {
    fflush(out_);
    fprintf(stderr, "WARNING: map %s is full: %llu updates dropped (it holds %u entries%s)\n", spec.name.c_str(),
            (unsigned long long)dropped, spec.max_entries, spec.bucketed ? ", one per key and bucket in use" : "");
  }
  void attach_error(const std::string& message, bool fatal) override {
    fatal ? error(message) : warning(message);
  }
  void warning(const std::string& message) override {
    fflush(out_);
    fprintf(stderr, "WARNING: %s\n", message.c_str());
  }
  void error(const std::string& message) override {
    fflush(out_);
    fprintf(stderr, "ERROR: %s\n", message.c_str());
  }
  void diagnostic(const DiagnosticRecord& d) override { fputs(d.rendered.c_str(), stderr); }
  // As bpftrace: "stdin:1:22-34: WARNING: Failed to map_delete_elem: No such file or
  // directory (-2)", then the source line and a tilde under each character of the call.
  void helper_error(const HelperSite& s, int64_t rc) override {
    fflush(out_);
    std::string at = s.file + ":" + std::to_string(s.line) + ":" + std::to_string(s.col) +
                     (s.end_col > s.col ? "-" + std::to_string(s.end_col + 1) : "");
    std::string why = rc ? std::string(strerror(int(-rc))) + " (" + std::to_string(rc) + ")" : "0";
    std::string marks = s.col > 0 ? std::string(size_t(s.col - 1), ' ') +
                                        std::string(size_t(std::max(1, s.end_col - s.col + 1)), '~')
                                  : "";
    fprintf(stderr, "%s: WARNING: Failed to %s: %s\n%s\n%s\n", at.c_str(), s.helper.c_str(), why.c_str(),
            s.source.c_str(), marks.c_str());
  }
};

// Text, but maps print folded, and the "Attaching" line goes to stderr so that the output
// is the folded stacks alone.
class FoldedOutput : public TextOutput {
 public:
  using TextOutput::TextOutput;
  void attached(size_t n) override { fprintf(stderr, "Attaching %zu probe%s...\n", n, n == 1 ? "" : "s"); }
  void map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t, uint64_t) override {
    if (!fmt::foldable(spec)) {
      warning("map " + spec.name + " holds " + spec.value.name() + " values, which do not fold: printed as text");
      TextOutput::map(spec, std::move(entries), 0, 0);
      return;
    }
    put(fmt::format_folded(spec, std::move(entries), *names_));
  }
  void all_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all, bool) override {
    std::vector<size_t> order(m.maps.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.maps[a].name < m.maps[b].name; });
    for (size_t i : order) map(m.maps[i], std::move(all[i]), 0, 0);
  }
};

const char* text_record_type(EventType kind) {
  switch (kind) {
    case EventType::Time: return "time";
    case EventType::Join: return "join";
    case EventType::System: return "syscall";  // bpftrace's name for system()'s output
    case EventType::Cat: return "cat";
    default: return "printf";
  }
}

// {"a": 1, "b": "x"}: members already rendered as JSON, with bpftrace's spacing.
std::string object(std::initializer_list<std::pair<const char*, std::string>> members) {
  std::string out = "{";
  for (auto& [name, value] : members) out += (out.size() > 1 ? ", " : "") + fmt::json_string(name) + ": " + value;
  return out + "}";
}

std::string string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (auto& i : items) out += (out.size() > 1 ? ", " : "") + fmt::json_string(i);
  return out + "]";
}

// One JSON record per line, {"type": ..., "data": ...}, in bpftrace's shapes and spacing;
// scry's additions (lost events, full maps, errors) are records of their own types. Errors
// also go to stderr as text, where a person reads them.
class JsonOutput : public Output {
 public:
  using Output::Output;
  void attached(size_t n) override { emit("attached_probes", object({{"probes", std::to_string(n)}})); }
  void text(EventType kind, const std::string& s) override {
    // join()'s line ends where its record does (bpftrace's JSON has no newline there).
    bool joined = kind == EventType::Join && !s.empty() && s.back() == '\n';
    emit(text_record_type(kind), fmt::json_string(joined ? s.substr(0, s.size() - 1) : s));
  }
  void value(const Type& t, const uint8_t* p) override { emit("value", fmt::json_value(t, p, *names_)); }
  void map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div) override {
    std::string type;
    std::string data = fmt::json_map(spec, std::move(entries), top, div, *names_, type);
    if (!data.empty()) emit(type.c_str(), data);
  }
  void all_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all, bool at_exit) override {
    if (at_exit) put("\n\n");  // as bpftrace: the two lines the text output has before the maps
    std::vector<size_t> order(m.maps.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.maps[a].name < m.maps[b].name; });
    for (size_t i : order) map(m.maps[i], std::move(all[i]), 0, 0);
  }
  void lost_events(uint64_t lost, uint64_t total) override {
    emit("lost_events", object({{"events", std::to_string(lost)}, {"total", std::to_string(total)}}));
  }
  void map_full(const MapSpec& spec, uint64_t dropped, uint64_t total) override {
    emit("map_full", object({{"map", fmt::json_string(spec.name)}, {"dropped", std::to_string(dropped)},
                             {"total", std::to_string(total)}, {"max_entries", std::to_string(spec.max_entries)}}));
  }
  void attach_error(const std::string& message, bool fatal) override {
    if (fatal) to_stderr("ERROR: " + message + "\n");
    emit("attach_error", object({{"message", fmt::json_string(message)}, {"fatal", fatal ? "true" : "false"}}));
  }
  void warning(const std::string& message) override { emit("warning", object({{"message", fmt::json_string(message)}})); }
  void error(const std::string& message) override {
    to_stderr("ERROR: " + message + "\n");
    emit("error", object({{"message", fmt::json_string(message)}}));
  }
  // bpftrace's record, flat: {"type": "helper_error", "helper": "probe_read", "retcode": -14,
  // "line": 1, "col": 37}.
  void helper_error(const HelperSite& s, int64_t rc) override {
    put("{\"type\": \"helper_error\", \"helper\": " + fmt::json_string(s.helper) + ", \"retcode\": " +
        std::to_string(rc) + ", \"line\": " + std::to_string(s.line) + ", \"col\": " + std::to_string(s.col) + "}\n");
  }
  void diagnostic(const DiagnosticRecord& d) override {
    if (d.error) to_stderr(d.rendered);
    std::string location;
    if (d.line > 0)
      location = object({{"file", fmt::json_string(d.file)}, {"line", std::to_string(d.line)},
                         {"column", std::to_string(d.col)}, {"end_column", std::to_string(d.end_col)}});
    std::string data = object({{"id", fmt::json_string(d.id)}, {"message", fmt::json_string(d.message)},
                               {"notes", string_list(d.notes)}});
    if (!location.empty()) data.insert(data.size() - 1, ", \"location\": " + location);
    emit(d.error ? "error" : "warning", data);
  }

 private:
  void emit(const char* type, const std::string& data) {
    put("{\"type\": \"" + std::string(type) + "\", \"data\": " + data + "}\n");
  }
  void to_stderr(const std::string& text) {
    fflush(out_);
    fputs(text.c_str(), stderr);
  }
};

}  // namespace

std::unique_ptr<Output> make_output(OutputFormat f, FILE* out) {
  switch (f) {
    case OutputFormat::Json: return std::make_unique<JsonOutput>(out);
    case OutputFormat::Folded: return std::make_unique<FoldedOutput>(out);
    case OutputFormat::Text: break;
  }
  return std::make_unique<TextOutput>(out);
}

}  // namespace scry
