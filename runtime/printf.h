// printf format strings: parsed once by sema (to check arguments) and by the runtime (to print).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"

namespace scry {

struct FormatSpec {
  size_t start = 0, end = 0;  // [start, end) of the conversion in the format string
  std::string flags;          // "-+ #0" in any order
  std::string width, precision;
  std::string length;         // "", "h", "hh", "l", "ll", "j", "z", "t"
  char conv = 0;              // d i u x X o c s p r
  char variant = 0;           // %rx, %rh: 'x' or 'h' (how buf() bytes are shown)
};

// The conversions of `fmt`, in order (%% is not one). On a bad conversion, sets `error`.
std::vector<FormatSpec> parse_format(const std::string& fmt, std::string& error);

// Formats one printf event: `data` is the whole ring buffer record.
std::string format_printf(const PrintfSpec& spec, const uint8_t* data, size_t size,
                          const ValueNames& names);

}  // namespace scry
