// The Manifest as a JSON value, for the compile cache: a cached program is its ELF bytes and
// this (stored as CBOR, which keeps strings byte for byte: a script's printf formats need not
// be UTF-8).
#pragma once
#include <nlohmann/json.hpp>

#include "runtime/manifest.h"

namespace scry {

nlohmann::json manifest_to_json(const Manifest& m);
// false if `j` is not a manifest this version of scry wrote.
bool manifest_from_json(const nlohmann::json& j, Manifest& m);

}  // namespace scry
