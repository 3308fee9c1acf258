// Types: sizes, tuple layout, compatibility and names as error messages show them.
#include <catch2/catch.hpp>

#include "src/types/type.h"

using namespace scry;

TEST_CASE("integer and string names") {
  CHECK(Type::integer(8, true).name() == "int64");
  CHECK(Type::integer(4, false).name() == "uint32");
  CHECK(Type::string(16).name() == "string[16]");
}

TEST_CASE("tuples align integers to 8 bytes and pad the total") {
  Type t = Type::tuple({Type::string(3), Type::integer(8, true), Type::string(2)});
  REQUIRE(t.offsets.size() == 3);
  CHECK(t.offsets[0] == 0);
  CHECK(t.offsets[1] == 8);
  CHECK(t.offsets[2] == 16);
  CHECK(t.size == 24);
  CHECK(t.name() == "(string[3], int64, string[2])");
}

TEST_CASE("tuples are laid out as C structs: integers keep their size and alignment") {
  // bpftrace's layout: (int8, int16, int32) is 8 bytes, (int32, int16, int8) too.
  Type a = Type::tuple({Type::integer(1, true), Type::integer(2, true), Type::integer(4, true)});
  CHECK(a.offsets == std::vector<uint32_t>{0, 2, 4});
  CHECK(a.size == 8);
  Type b = Type::tuple({Type::integer(4, true), Type::integer(2, true), Type::integer(1, true)});
  CHECK(b.offsets == std::vector<uint32_t>{0, 4, 6});
  CHECK(b.size == 8);
  // An array of int takes the int's alignment: (int32, int[4]) is 20 bytes.
  Type c = Type::tuple({Type::integer(4, true), Type::array(Type::integer(4, true), 4)});
  CHECK(c.offsets[1] == 4);
  CHECK(c.size == 20);
  // Only strings: byte-aligned, no padding.
  CHECK(Type::tuple({Type::string(3), Type::string(2)}).size == 5);
}

TEST_CASE("strings of different lengths are compatible and widen to the longer") {
  CHECK(Type::string(3).compatible(Type::string(64)));
  CHECK(widen(Type::string(3), Type::string(64)).size == 64);
  CHECK_FALSE(Type::string(3).compatible(Type::integer(8, true)));
}

TEST_CASE("aggregation value sizes") {
  CHECK(Type::aggregation(TypeKind::Count).value_size() == 8);
  CHECK(Type::aggregation(TypeKind::Avg).value_size() == 16);
  // The buckets, then the sum of the values (for JSON output).
  CHECK(Type::aggregation(TypeKind::Hist).value_size() == 8 * kLog2Buckets);
  Type l = Type::lhist(0, 100, 10);
  CHECK(l.buckets() == 12);  // below min, 10 in range, at or above max
  CHECK_FALSE(l.compatible(Type::lhist(0, 100, 5)));
}

TEST_CASE("stack types: mode and depth make different types") {
  Type k = Type::special(TypeKind::KStack);
  CHECK(k.stack_frames == kMaxStackFrames);
  CHECK(k.name() == "kstack");
  Type perf3 = Type::stack(TypeKind::KStack, StackMode::Perf, 3);
  CHECK(perf3.name() == "kstack(perf, 3)");
  CHECK(Type::stack(TypeKind::UStack, StackMode::Raw, kMaxStackFrames).name() == "ustack(raw)");
  CHECK_FALSE(k.compatible(perf3));
  CHECK_FALSE(perf3.compatible(Type::stack(TypeKind::KStack, StackMode::Perf, 4)));
  CHECK(perf3.compatible(Type::stack(TypeKind::KStack, StackMode::Perf, 3)));
}
