// The constants (#define NAME VALUE) of the C headers a script includes: bpftrace scripts use
// them by name (AF_INET from <sys/socket.h>, EPERM from <errno.h>). Headers are read with
// libclang's preprocessor; types still come from BTF.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace scry {

// Object-like macros of `headers` (as #include names them, found in `include_dirs` then the
// system's directories) whose values are constants: numbers, strings and operators, and
// names of other such macros. Macros that expand to code (errno is a function call) are
// left out: they would replace the script's own words. Returns false if libclang is missing.
bool header_macros(const std::vector<std::string>& headers, const std::vector<std::string>& include_dirs,
                   std::map<std::string, std::string>& out);

}  // namespace scry
