// printf: format parsing and formatting of an event record, as bpftrace prints it.
#include <catch2/catch.hpp>
#include <cstring>

#include "runtime/printf.h"

using namespace scry;

TEST_CASE("conversions with flags, width, precision and length") {
  std::string err;
  auto specs = parse_format("%-5d|%05u|%.3s|%llx|%%|%c", err);
  CHECK(err.empty());
  REQUIRE(specs.size() == 5);
  CHECK(specs[0].flags == "-");
  CHECK(specs[0].width == "5");
  CHECK(specs[2].precision == ".3");
  CHECK(specs[3].length == "ll");
  CHECK(specs[4].conv == 'c');
}

TEST_CASE("an unknown conversion is an error; a % that starts none is text") {
  std::string err;
  parse_format("%5q", err);
  CHECK(err.find("invalid conversion '%5q'") == 0);
  err.clear();
  CHECK(parse_format("100%! %q\n", err).empty());
  CHECK(err.empty());
}

TEST_CASE("formatting: 32-bit without l, 64-bit with l, strings") {
  PrintfSpec spec;
  spec.format = "%d %u %x %lu %s!\n";
  uint8_t rec[16 + 5 * 8] = {};
  uint64_t vals[4] = {uint64_t(-1), uint64_t(-1), uint64_t(-1), uint64_t(-1)};
  for (int i = 0; i < 4; i++) {
    spec.args.push_back(Type::integer(8, true));
    spec.offsets.push_back(16 + 8 * i);
    std::memcpy(rec + 16 + 8 * i, &vals[i], 8);
  }
  spec.args.push_back(Type::string(8));
  spec.offsets.push_back(48);
  std::memcpy(rec + 48, "abc", 4);
  CHECK(format_printf(spec, rec, sizeof rec, {}) ==
        "-1 4294967295 ffffffff 18446744073709551615 abc!\n");
}
