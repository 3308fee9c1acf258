// `scry -l [PATTERN]`: the probes this machine offers, matching a pattern. Each provider lists
// its own probes through a Lister (src/probes/provider.h).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "src/probes/probes.h"

namespace scry {

class Lister {
 public:
  Lister(std::string pattern, bool verbose, FILE* out);
  // Whether the pattern's first part can match this provider's name ("*" or none: all).
  bool wants(const std::string& provider) const;
  // The name a provider's probes are listed under: its own when the pattern's first part
  // matches it, else the first of its aliases that does (`-l 'kfunc:*'` lists fentry's probes
  // as kfunc:..., as bpftrace 0.17 names them); "" when none does.
  std::string shown_name(const std::string& name, const std::vector<const char*>& aliases) const;
  // While a provider lists: its probes' names start with `from`, printed as `to`.
  void rename(const std::string& from, const std::string& to) { rename_from_ = from, rename_to_ = to; }
  bool match(const std::string& name) const;
  // Prints `name` if it matches, and with -lv its arguments, indented.
  void emit(const std::string& name, const std::vector<std::string>& args = {});
  bool verbose() const { return verbose_; }
  // The parts of the pattern after the provider's ("uprobe:libc:*" -> "libc", "*").
  std::string part(size_t i) const;
  const std::string& pattern() const { return pattern_; }
  // Lists with another pattern while `f` runs (a binary's path resolved in it).
  template <typename F>
  void with_pattern(const std::string& p, F f) {
    std::string saved = pattern_;
    pattern_ = p;
    f();
    pattern_ = saved;
  }
  size_t count() const { return count_; }

 private:
  std::string pattern_;
  std::string rename_from_, rename_to_;
  bool verbose_;
  FILE* out_;
  size_t count_ = 0;
};

// Prints every probe matching `pattern` ("" = all; wildcards * ? [..]; without a ':' the
// pattern matches any probe whose last part matches it). With `verbose`, each probe's arguments
// and their types follow, indented. Returns the number printed.
size_t list_probes(const std::string& pattern, bool verbose, FILE* out);

// Prints the probes a compiled script attaches (scry -l -e '...').
void list_script_probes(const std::vector<ProbeInstance>& instances, bool verbose, FILE* out);

}  // namespace scry
