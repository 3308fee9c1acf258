// The Manifest as JSON, for the compile cache: a cached program is its ELF bytes and this.
#pragma once
#include <string>

#include "runtime/manifest.h"

namespace scry {

std::string manifest_to_json(const Manifest& m);
// false if `text` is not a manifest this version of scry wrote.
bool manifest_from_json(const std::string& text, Manifest& m);

}  // namespace scry
