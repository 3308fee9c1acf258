// Text and JSON of values built by hand, as the runtime gets them from the ring buffer or a
// map: the bytes and the Type the compiler laid out.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/format/json.h"
#include "runtime/format/value.h"

using namespace scry;

namespace {

// struct { int a; struct { short b; char name[4]; } in; unsigned f : 3, g : 5; int arr[2]; }
Type sample_record() {
  Type inner = Type::record("struct in", -1, 8);
  inner.elems = {Type::integer(2, true), Type::string(4)};
  inner.offsets = {0, 2};
  inner.fields = {{"b"}, {"name"}};
  Type outer = Type::record("struct s", -1, 24);
  outer.elems = {Type::integer(4, true), inner, Type::integer(4, false), Type::integer(4, false),
                 Type::array(Type::integer(4, true), 2)};
  outer.offsets = {0, 4, 12, 12, 16};
  outer.fields = {{"a"}, {"in"}, {"f", 0, 3}, {"g", 3, 5}, {"arr"}};
  return outer;
}

std::vector<uint8_t> sample_bytes() {
  std::vector<uint8_t> b(24, 0);
  int32_t a = -7;
  int16_t bb = -2;
  uint32_t bits = 5 | (17 << 3);
  int32_t arr[2] = {10, -20};
  std::memcpy(&b[0], &a, 4);
  std::memcpy(&b[4], &bb, 2);
  std::memcpy(&b[6], "hi", 3);
  std::memcpy(&b[12], &bits, 4);
  std::memcpy(&b[16], arr, 8);
  return b;
}

}  // namespace

TEST_CASE("a whole struct prints as bpftrace prints it", "[value]") {
  ValueNames names;
  auto bytes = sample_bytes();
  CHECK(fmt::format_scalar(sample_record(), bytes.data(), names) ==
        "{ .a = -7, .in = { .b = -2, .name = hi }, .f = 5, .g = 17, .arr = [10,-20] }");
  // As a map key: the compact form.
  CHECK(fmt::format_scalar(sample_record(), bytes.data(), names, 4, true) ==
        "{.a=-7,.in={.b=-2,.name=hi},.f=5,.g=17,.arr=[10,-20]}");
}

TEST_CASE("a whole struct in JSON is an object of its members, as bpftrace writes it", "[value]") {
  ValueNames names;
  auto bytes = sample_bytes();
  CHECK(fmt::json_value(sample_record(), bytes.data(), names) ==
        R"({ "a": -7, "in": { "b": -2, "name": "hi" }, "f": 5, "g": 17, "arr": [10,-20] })");
}

TEST_CASE("JSON strings: escapes, control characters, bytes that are not UTF-8", "[value]") {
  CHECK(fmt::json_string("a\"b\\c\n\t\r") == R"("a\"b\\c\n\t\r")");
  CHECK(fmt::json_string(std::string("x\x01y")) == R"("x\u0001y")");
  CHECK(fmt::json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // UTF-8 stays
  CHECK(fmt::json_string("bad\xff") == R"("bad\ufffd")");
}

TEST_CASE("bitfields are masked and sign-extended", "[value]") {
  uint32_t word = 0xfu << 4;  // bits 4..7 set
  uint8_t p[8] = {};
  std::memcpy(p, &word, 4);
  CHECK(fmt::member_int(Type::integer(4, false), {"u", 4, 4}, p) == 15);
  CHECK(int64_t(fmt::member_int(Type::integer(4, true), {"s", 4, 4}, p)) == -1);
  CHECK(fmt::member_int(Type::integer(4, true), {"lo", 0, 4}, p) == 0);
}

TEST_CASE("an empty kernel stack prints as nothing: @[]: N", "[value]") {
  ValueNames names;  // no stack map: every stack is empty
  MapSpec spec;
  spec.name = "@";
  spec.key = Type::stack(TypeKind::KStack, StackMode::Bpftrace, kMaxStackFrames);
  spec.value = Type::aggregation(TypeKind::Count);
  MapEntry e;
  e.key.assign(8, 0xff);  // stack id -1: the kernel had no stack (a user-mode sample)
  e.value = {5, 0, 0, 0, 0, 0, 0, 0};
  CHECK(fmt::format_map(spec, {e}, 0, 0, names) == "@[]: 5\n");
}
