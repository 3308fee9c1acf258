// USDT argument specifications as SystemTap's sys/sdt.h writes them into the notes:
// SIZE@OPERAND, a negative size for signed values.
#include <catch2/catch.hpp>

#include "src/probes/usdt_notes.h"

using namespace scry;

TEST_CASE("usdt constants are cut to their size, signed or not") {
  // gcc writes (uint16_t)0xf1f0 as "2@$-3600": the value as a signed immediate.
  UsdtArg a;
  REQUIRE(parse_usdt_arg("2@$-3600", a));
  CHECK(a.kind == UsdtArg::Constant);
  CHECK(a.value == 61936);
  REQUIRE(parse_usdt_arg("-2@$-3600", a));
  CHECK(a.value == -3600);
  REQUIRE(parse_usdt_arg("1@$-16", a));
  CHECK(a.value == 240);
  REQUIRE(parse_usdt_arg("4@$-202182160", a));
  CHECK(a.value == 4092785136);
  REQUIRE(parse_usdt_arg("-8@$-579005069656919568", a));
  CHECK(a.value == -579005069656919568);
}

TEST_CASE("usdt memory operands: displacement, base, index and scale") {
  UsdtArg a;
  REQUIRE(parse_usdt_arg("-4@-8(%rbp)", a));
  CHECK(a.kind == UsdtArg::Memory);
  CHECK(a.value == -8);
  CHECK_FALSE(a.indexed);
  REQUIRE(parse_usdt_arg("8@-88(%rsp,%rax,8)", a));
  CHECK(a.kind == UsdtArg::Memory);
  CHECK(a.value == -88);
  CHECK(a.indexed);
  CHECK(a.scale == 8);
  CHECK(a.index_reg != a.reg);
  REQUIRE(parse_usdt_arg("1@(%rdi,%rsi)", a));
  CHECK(a.scale == 1);
  CHECK_FALSE(parse_usdt_arg("8@-88(%rsp,%rax,3)", a));  // x86 scales are 1, 2, 4, 8
  CHECK_FALSE(parse_usdt_arg("4@sym(%rip)", a));       // not supported: said, not misread
}
