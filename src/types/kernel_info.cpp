#include "src/types/kernel_info.h"

#include <bpf/btf.h>
#include <unistd.h>

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "runtime/symbols/kallsyms.h"
#include "runtime/tracefs.h"
#include "src/probes/tracepoint_format.h"
#include "src/types/btf.h"

namespace scry {

namespace {

class RootedKernel : public KernelInfo {
 public:
  explicit RootedKernel(std::string root) : root_(std::move(root)) {}

  KernelBtf* btf() override {
    if (!btf_loaded_) {
      btf_loaded_ = true;
      // The machine's through libbpf (it knows where vmlinux BTF lives), another's from its file.
      struct btf* b = root_.empty() ? btf__load_vmlinux_btf() : btf__parse((root_ + "/sys/kernel/btf/vmlinux").c_str(), nullptr);
      if (b) btf_ = std::make_unique<KernelBtf>(b);  // libbpf 1.x: NULL on failure
    }
    return btf_.get();
  }

  bool has_tracefs() override { return !tracing().empty(); }

  const std::vector<std::string>& tracepoints() override {
    if (!tracepoints_loaded_) {
      tracepoints_loaded_ = true;
      std::ifstream f(tracing() + "/available_events");
      std::string line;
      while (std::getline(f, line))
        if (!line.empty()) tracepoints_.push_back(line);
      std::sort(tracepoints_.begin(), tracepoints_.end());
    }
    return tracepoints_;
  }

  std::shared_ptr<TracepointFormat> tracepoint_format(const std::string& category, const std::string& event) override {
    std::string key = category + ":" + event;
    auto it = formats_.find(key);
    if (it != formats_.end()) return it->second;
    std::shared_ptr<TracepointFormat> result;
    if (has_tracefs()) {
      std::ifstream f(tracing() + "/events/" + category + "/" + event + "/format");
      if (f) {
        std::stringstream ss;
        ss << f.rdbuf();
        result = std::make_shared<TracepointFormat>(parse_tracepoint_format(category, event, ss.str()));
      }
    }
    return formats_[key] = result;
  }

  const std::vector<std::string>& functions() override { return symbols().functions(); }

  const std::vector<std::string>& traceable_functions() override {
    if (!traceable_loaded_) {
      traceable_loaded_ = true;
      std::ifstream f(tracing() + "/available_filter_functions");
      std::string line;
      while (std::getline(f, line)) {
        std::string name = line.substr(0, line.find_first_of(" \t"));  // "func [module]"
        if (!name.empty() && !kprobe_blacklisted(name)) traceable_.push_back(name);
      }
      std::sort(traceable_.begin(), traceable_.end());
      traceable_.erase(std::unique(traceable_.begin(), traceable_.end()), traceable_.end());
    }
    return traceable_;
  }

  bool kprobe_blacklisted(const std::string& name) override {
    if (!blacklist_loaded_) {
      blacklist_loaded_ = true;
      // "0xSTART-0xEND\tname", in debugfs (mounted at /sys/kernel/debug, or not at all).
      std::ifstream f(root_ + "/sys/kernel/debug/kprobes/blacklist");
      std::string range, fn;
      while (f >> range >> fn) blacklist_.insert(fn);
    }
    return blacklist_.count(name) > 0;
  }
  bool add_module_btf(const std::string& module, std::string& error) override {
    KernelBtf* kb = btf();
    if (!kb) {
      error = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
      return false;
    }
    if (module.find('/') != std::string::npos || module.empty() || module[0] == '.') {
      error = "'" + module + "' is not a module's name";
      return false;
    }
    return kb->add_module(module, root_ + "/sys/kernel/btf/" + module, error);
  }
  std::string btf_module_with_function(const std::string& module_pattern,
                                       const std::string& function_pattern) override {
    KernelBtf* kb = btf();
    if (!kb) return "";
    std::vector<std::string> names;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(root_ + "/sys/kernel/btf", ec))
      if (e.path().filename() != "vmlinux") names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    names.insert(names.begin(), "vmlinux");  // the kernel's own functions first
    for (auto& n : names) {
      if (fnmatch(module_pattern.c_str(), n.c_str(), 0) != 0) continue;
      std::string path = root_ + "/sys/kernel/btf/" + n;
      if (KernelBtf::has_function(n == "vmlinux" ? nullptr : path.c_str(), kb->kernel_only(), function_pattern))
        return n;
    }
    return "";
  }
  uint64_t symbol_address(const std::string& name) override { return symbols().address(name); }
  uint64_t function_size(const std::string& name) override { return symbols().function_size(name); }

 private:
  // tracefs: the machine's is mounted if it is not (needs root); another's is a directory.
  std::string tracing() {
    if (root_.empty()) return tracefs_root();
    std::string t = root_ + "/sys/kernel/tracing";
    return access((t + "/available_events").c_str(), R_OK) == 0 ? t : "";
  }
  // The machine's kallsyms is the one the runtime symbolizes with.
  const Kallsyms& symbols() {
    if (root_.empty()) return Kallsyms::get();
    if (!kallsyms_) kallsyms_ = std::make_unique<Kallsyms>(Kallsyms::load(root_ + "/proc/kallsyms"));
    return *kallsyms_;
  }

  std::string root_;
  bool btf_loaded_ = false, tracepoints_loaded_ = false;
  std::unique_ptr<KernelBtf> btf_;
  std::vector<std::string> tracepoints_;
  std::map<std::string, std::shared_ptr<TracepointFormat>> formats_;
  std::unique_ptr<Kallsyms> kallsyms_;
  bool traceable_loaded_ = false, blacklist_loaded_ = false;
  std::vector<std::string> traceable_;
  std::set<std::string> blacklist_;
};

std::unique_ptr<KernelInfo>& current() {
  static std::unique_ptr<KernelInfo> k;
  return k;
}

}  // namespace

std::unique_ptr<KernelInfo> kernel_from_root(const std::string& root) { return std::make_unique<RootedKernel>(root); }

KernelInfo& kernel() {
  auto& k = current();
  if (!k) {
    const char* root = getenv("SCRY_KERNEL_ROOT");
    k = kernel_from_root(root ? root : "");
  }
  return *k;
}

}  // namespace scry
