#include "src/driver/compile_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/manifest_json.h"
#include "src/codegen/codegen.h"

namespace scry {

namespace {

using json = nlohmann::json;
constexpr char kMagic[8] = {'S', 'C', 'R', 'Y', 'C', 'C', '0', '2'};
constexpr size_t kMaxEntries = 256;  // past it, the oldest half goes

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// What identifies a file's content without reading it all (ctime too: `cp -p` over a file
// keeps its size and mtime, not its ctime).
std::string file_identity(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

// The loaded modules by name and size (not their use counts, which change all the time).
std::string modules() {
  std::istringstream in(read_file("/proc/modules"));
  std::string line, out;
  while (std::getline(in, line)) {
    std::istringstream w(line);
    std::string name, size;
    w >> name >> size;
    out += name + " " + size + "\n";
  }
  return out;
}

json diagnostic_json(const DiagnosticRecord& d) {
  return {{"error", d.error}, {"id", d.id}, {"file", d.file}, {"line", d.line}, {"col", d.col},
          {"end_col", d.end_col}, {"message", d.message}, {"notes", d.notes}, {"rendered", d.rendered}};
}

DiagnosticRecord diagnostic_from(const json& j) {
  DiagnosticRecord d;
  j.at("error").get_to(d.error);
  j.at("id").get_to(d.id);
  j.at("file").get_to(d.file);
  j.at("line").get_to(d.line);
  j.at("col").get_to(d.col);
  j.at("end_col").get_to(d.end_col);
  j.at("message").get_to(d.message);
  j.at("notes").get_to(d.notes);
  j.at("rendered").get_to(d.rendered);
  return d;
}

// All of a file opened in the cache directory (no symbolic link followed).
std::string read_fd(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  return out;
}

// Keeps the cache small: the entries used least recently go first, and temporary files a
// killed scry left behind. Names are looked at through the directory's fd, never a path.
void evict(int dir_fd) {
  int fd = dup(dir_fd);
  DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
  if (!d) {
    if (fd >= 0) close(fd);
    return;
  }
  rewinddir(d);
  std::vector<std::pair<time_t, std::string>> entries;
  time_t now = time(nullptr);
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    bool tmp = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
    if (tmp && now - st.st_mtime > 3600) unlinkat(dir_fd, name.c_str(), 0);
    if (name.size() < 6 || name.compare(name.size() - 6, 6, ".entry") != 0) continue;
    entries.push_back({st.st_mtime, name});
  }
  closedir(d);
  if (entries.size() <= kMaxEntries) return;
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i < entries.size() - kMaxEntries / 2; i++) unlinkat(dir_fd, entries[i].second.c_str(), 0);
}

// Only this user's plain files and directories that no one else can write to are trusted: an
// entry is loaded into the kernel, and may run system() with --unsafe.
bool trusted(const struct stat& st, mode_t type) {
  return (st.st_mode & S_IFMT) == type && st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

}  // namespace

std::string compile_key(const std::string& source, const std::string& filename,
                        const std::vector<std::string>& params, const std::string& options) {
  std::string k = "scry " SCRY_VERSION " " + file_identity("/proc/self/exe") + "\n";
  k += "codegen " + file_identity(codegen_plugin_path()) + "\n";
  k += "boot " + read_file("/proc/sys/kernel/random/boot_id");
  k += "modules " + std::to_string(fnv1a(modules())) + "\n";
  k += "options " + options + "\n";
  k += "params " + std::to_string(params.size()) + "\n";
  for (auto& p : params) k += std::to_string(p.size()) + ":" + p + "\n";
  k += "file " + filename + "\n";
  k += "source " + std::to_string(source.size()) + "\n" + source;
  return k;
}

CompileCache::CompileCache(bool enabled, const std::string& key) : enabled_(enabled), key_(key) {
  const char* off = getenv("SCRY_CACHE");
  if (off && (!strcmp(off, "off") || !strcmp(off, "0"))) enabled_ = false;
  const char* dir = getenv("SCRY_CACHE_DIR");
  std::string path = dir && *dir ? dir : "/var/cache/scry";
  if (enabled_ && mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) enabled_ = false;
  // Opened once, not followed if it is a symbolic link, and checked through the fd: every
  // name below is relative to it (*at() calls), so the directory cannot be swapped after.
  if (enabled_) dir_fd_.reset(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (enabled_ && (!dir_fd_.valid() || fstat(dir_fd_.get(), &st) != 0 || !trusted(st, S_IFDIR))) enabled_ = false;
  char name[32];
  snprintf(name, sizeof name, "%016llx.entry", (unsigned long long)fnv1a(key_));
  name_ = name;
}

std::optional<CachedProgram> CompileCache::lookup() {
  if (!enabled_) return std::nullopt;
  UniqueFd fd(openat(dir_fd_.get(), name_.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !trusted(st, S_IFREG)) return std::nullopt;
  std::string data = read_fd(fd.get());
  uint64_t json_size;
  if (data.size() < sizeof kMagic + 8 || memcmp(data.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  memcpy(&json_size, data.data() + sizeof kMagic, 8);
  size_t at = sizeof kMagic + 8;
  if (json_size > data.size() - at) return std::nullopt;
  CachedProgram p;
  try {
    json j = json::from_cbor(data.begin() + long(at), data.begin() + long(at + json_size));
    if (j.at("key").get<std::string>() != key_) return std::nullopt;  // another script, same hash
    for (auto& in : j.at("inputs"))
      if (file_identity(in.at(0).get<std::string>()) != in.at(1).get<std::string>()) return std::nullopt;
    if (!manifest_from_json(j.at("manifest"), p.manifest)) return std::nullopt;
    for (auto& w : j.at("warnings")) p.warnings.push_back(diagnostic_from(w));
    p.elf.assign(data.begin() + long(at + json_size), data.end());
    if (p.elf.size() != j.at("elf_size").get<size_t>() || fnv1a(std::string(p.elf.begin(), p.elf.end())) != j.at("elf_hash").get<uint64_t>())
      return std::nullopt;  // cut short or damaged
  } catch (const json::exception&) {
    return std::nullopt;
  }
  futimens(fd.get(), nullptr);  // used now: kept longer
  return p;
}

void CompileCache::store(const CachedProgram& p, const std::vector<std::string>& inputs) {
  if (!enabled_) return;
  json j;
  j["key"] = key_;
  j["inputs"] = json::array();
  for (auto& in : inputs) j["inputs"].push_back({in, file_identity(in)});
  j["manifest"] = manifest_to_json(p.manifest);
  j["warnings"] = json::array();
  for (auto& w : p.warnings) j["warnings"].push_back(diagnostic_json(w));
  j["elf_size"] = p.elf.size();
  j["elf_hash"] = fnv1a(std::string(p.elf.begin(), p.elf.end()));
  std::vector<uint8_t> head;
  try {
    head = json::to_cbor(j);  // strings byte for byte, UTF-8 or not
  } catch (const json::exception&) {
    return;
  }
  uint64_t size = head.size();
  // Written whole to a new temporary file (a name no one else has: O_EXCL), then renamed: a
  // reader sees all of an entry or none.
  std::string tmp = name_ + "." + std::to_string(getpid()) + "." + std::to_string(time(nullptr)) + ".tmp";
  int fd = openat(dir_fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  FILE* f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlinkat(dir_fd_.get(), tmp.c_str(), 0);
    return;
  }
  bool ok = fwrite(kMagic, sizeof kMagic, 1, f) == 1 && fwrite(&size, 8, 1, f) == 1 &&
            fwrite(head.data(), 1, head.size(), f) == head.size() &&
            fwrite(p.elf.data(), 1, p.elf.size(), f) == p.elf.size();
  ok = fclose(f) == 0 && ok;
  if (!ok || renameat(dir_fd_.get(), tmp.c_str(), dir_fd_.get(), name_.c_str()) != 0)
    unlinkat(dir_fd_.get(), tmp.c_str(), 0);
  evict(dir_fd_.get());
}

void CompileCache::drop() {
  if (enabled_) unlinkat(dir_fd_.get(), name_.c_str(), 0);
}

}  // namespace scry
