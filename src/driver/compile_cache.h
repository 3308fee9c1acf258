// The compile cache: a script compiled once runs the next time without being parsed, typed or
// compiled again (no BTF, no LLVM): its BPF object and Manifest are read from the cache.
//
// An entry is found by a hash of its key and holds the key itself, compared whole, so a hash
// collision is a miss, never the wrong program. The key is everything the compiled program
// depends on: scry's own executable and code generator plugin, the script and its file name,
// the parameters and options that change the program, the boot (kernel, BTF, kallsyms
// addresses, tracepoints) and the loaded modules. Files read while compiling (uprobe binaries, cgroupid() paths) are checked
// on every hit: a binary rebuilt since is a miss.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/fd.h"
#include "runtime/manifest.h"
#include "runtime/output/output.h"

namespace scry {

struct CachedProgram {
  std::vector<uint8_t> elf;
  Manifest manifest;
  std::vector<DiagnosticRecord> warnings;  // printed again on a hit
};

class CompileCache {
 public:
  // The cache in SCRY_CACHE_DIR, else /var/cache/scry; disabled (every lookup a miss, stores
  // dropped) when `enabled` is false, SCRY_CACHE=off, or the directory cannot be made, is a
  // symbolic link, is not this user's or others can write to it. An entry file is used only
  // if it is this user's and no one else can write to it.
  CompileCache(bool enabled, const std::string& key);
  std::optional<CachedProgram> lookup();
  // `inputs`: files the compile read, checked on every later hit.
  void store(const CachedProgram& p, const std::vector<std::string>& inputs);
  void drop();  // removes this key's entry

 private:
  bool enabled_;
  UniqueFd dir_fd_;  // the cache directory, opened once
  std::string key_, name_;
};

// The key for a script: everything but the inputs files (see above).
std::string compile_key(const std::string& source, const std::string& filename,
                        const std::vector<std::string>& params, const std::string& options);

}  // namespace scry
