// Verifier logs: the script line and the reason are found in what libbpf logs on a failed load.
#include <catch2/catch.hpp>

#include "runtime/loader.h"

using namespace scry;

TEST_CASE("the last source annotation before the error gives the script line") {
  const char* log =
      "libbpf: prog 'probe0': BPF program load failed: Permission denied\n"
      "libbpf: prog 'probe0': -- BEGIN PROG LOAD LOG --\n"
      "0: R1=ctx() R10=fp0\n"
      "; @x = 1 @ test.bt:3\n"
      "0: (b7) r1 = 0\n"
      "; printf(\"%s\", str(arg0)) @ test.bt:5\n"
      "12: (85) call bpf_probe_read_user_str#114\n"
      "R2 min value is negative, either use unsigned or 'var &= const'\n"
      "processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 0\n"
      "-- END PROG LOAD LOG --\n"
      "libbpf: prog 'probe0': failed to load: -13\n";
  LoadError err;
  err.message = "the kernel refused to load the BPF program";
  explain_verifier_log(log, err);
  CHECK(err.line == 5);
  CHECK(err.program == "probe0");
  CHECK(err.message == "R2 min value is negative, either use unsigned or 'var &= const'");
  CHECK(err.log.find("call bpf_probe_read_user_str#114") != std::string::npos);
}

TEST_CASE("a log without source annotations keeps the line unknown") {
  LoadError err;
  err.message = "the kernel refused to load the BPF program: Permission denied";
  explain_verifier_log("libbpf: prog 'probe3': -- BEGIN PROG LOAD LOG --\n"
                       "invalid bpf_context access off=4096 size=8\n"
                       "-- END PROG LOAD LOG --\n",
                       err);
  CHECK(err.line == 0);
  CHECK(err.program == "probe3");
  CHECK(err.message == "invalid bpf_context access off=4096 size=8");
}
