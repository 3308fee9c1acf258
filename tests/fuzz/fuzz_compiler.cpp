// libFuzzer target: the whole compiler (preprocessor, lexer, parser, probe expansion, sema and
// the code generator plugin) on arbitrary bytes as a script, for the fake kernel of
// tests/fake_kernel: no kernel, no root, nothing loaded. Any crash, hang, leak or sanitizer
// report is a bug; what it finds goes into tests/fuzz/regressions (tests/fuzz/run.sh).
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "src/builtins/builtin.h"
#include "src/driver/driver.h"

namespace {

// The fake kernel and the plugin of this build tree, unless the environment names others.
void default_env(const char* name, const char* value) {
  if (!getenv(name)) setenv(name, value, 0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  default_env("SCRY_KERNEL_ROOT", SCRY_FUZZ_KERNEL_ROOT);
  default_env("SCRY_CODEGEN_PLUGIN", SCRY_FUZZ_CODEGEN_PLUGIN);
  // As scry itself (src/main.cpp): the recursive passes may use up to 128 MB of stack.
  rlimit r;
  if (getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < (rlim_t(128) << 20)) {
    r.rlim_cur = r.rlim_max == RLIM_INFINITY ? rlim_t(128) << 20 : std::min(rlim_t(128) << 20, r.rlim_max);
    setrlimit(RLIMIT_STACK, &r);
  }
  scry::install_builtin_printers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scry::DriverOptions opts;
  opts.source.assign(reinterpret_cast<const char*>(data), size);
  opts.filename = "fuzz.bt";
  opts.params = {"1", "str"};  // $1 and $2 exist, as for `scry fuzz.bt 1 str`
  scry::Diagnostics diags(opts.filename, opts.source);
  scry::Compilation c;
  scry::compile(opts, diags, c, scry::Stage::Code);
  // Rendering reads source lines and locations: part of what must not crash.
  for (auto& d : diags.all()) (void)diags.render(d);
  return 0;
}
