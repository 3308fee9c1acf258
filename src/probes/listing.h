// `scry -l [PATTERN]`: the probes this machine offers, matching a pattern.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "src/probes/probes.h"

namespace scry {

// Prints every probe matching `pattern` ("" = all; wildcards * ? [..]; without a ':' the
// pattern matches any probe whose last part matches it). With `verbose`, each probe's arguments
// and their types follow, indented. Returns the number printed.
size_t list_probes(const std::string& pattern, bool verbose, FILE* out);

// Prints the probes a compiled script attaches (scry -l -e '...').
void list_script_probes(const std::vector<ProbeInstance>& instances, bool verbose, FILE* out);

}  // namespace scry
