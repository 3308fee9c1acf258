#include "runtime/output/output.h"

#include <nlohmann/json.hpp>

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

using json = nlohmann::ordered_json;

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
  void exit_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all) override {
    put(fmt::format_exit_maps(m, all, *names_));
  }
  void lost_events(uint64_t lost, uint64_t) override {
    fflush(out_);
    fprintf(stderr, "WARNING: %llu events lost: the ring buffer was full\n", (unsigned long long)lost);
  }
  void map_full(const MapSpec& spec, uint64_t dropped, uint64_t) override {
    fflush(out_);
    fprintf(stderr, "WARNING: map %s is full: %llu updates dropped (it holds %u entries)\n", spec.name.c_str(),
            (unsigned long long)dropped, spec.max_entries);
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
  void exit_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all) override {
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
    case EventType::System: return "system";
    case EventType::Cat: return "cat";
    default: return "printf";
  }
}

// One JSON record per line: {"type": ..., "data": ...}; the first says the schema version.
class JsonOutput : public Output {
 public:
  static constexpr int kSchemaVersion = 1;
  using Output::Output;
  void attached(size_t n) override { emit("attached_probes", {{"probes", n}}); }
  void text(EventType kind, const std::string& s) override { emit(text_record_type(kind), s); }
  void value(const Type& t, const uint8_t* p) override { emit("value", fmt::json_value(t, p, *names_)); }
  void map(const MapSpec& spec, std::vector<MapEntry> entries, uint64_t top, uint64_t div) override {
    std::string type;
    json data = fmt::json_map(spec, std::move(entries), top, div, *names_, type);
    emit(type.c_str(), std::move(data));
  }
  void exit_maps(const Manifest& m, std::vector<std::vector<MapEntry>> all) override {
    std::vector<size_t> order(m.maps.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.maps[a].name < m.maps[b].name; });
    for (size_t i : order) map(m.maps[i], std::move(all[i]), 0, 0);
  }
  void lost_events(uint64_t lost, uint64_t total) override {
    emit("lost_events", {{"lost", lost}, {"total", total}});
  }
  void map_full(const MapSpec& spec, uint64_t dropped, uint64_t total) override {
    emit("map_full", {{"map", spec.name}, {"dropped", dropped}, {"total", total}, {"max_entries", spec.max_entries}});
  }
  void attach_error(const std::string& message, bool fatal) override {
    emit("attach_error", {{"message", message}, {"fatal", fatal}});
  }
  void warning(const std::string& message) override { emit("warning", {{"message", message}}); }
  void error(const std::string& message) override { emit("error", {{"message", message}}); }
  void diagnostic(const DiagnosticRecord& d) override {
    json data = {{"id", d.id}, {"message", d.message}, {"notes", d.notes}};
    if (d.line > 0) data["location"] = {{"file", d.file}, {"line", d.line}, {"column", d.col}, {"end_column", d.end_col}};
    emit(d.error ? "error" : "warning", std::move(data));
  }

 private:
  void emit(const char* type, json data) {
    if (!started_) {
      started_ = true;
      emit("schema", {{"version", kSchemaVersion}});
    }
    json rec = {{"type", type}, {"data", std::move(data)}};
    // Strings from the kernel need not be UTF-8: invalid bytes become U+FFFD, never an abort.
    std::string line = rec.dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    put(line);
  }
  bool started_ = false;
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
