#include "runtime/format/hist.h"

#include <algorithm>
#include <cmath>

namespace scry::fmt {
namespace {

constexpr int kBarWidth = 52;
constexpr std::size_t kLabelWidth = 16;
constexpr std::size_t kCountWidth = 8;

// Count as bpftrace's int-typed bookkeeping sees it (modular truncation to 32 bits).
int32_t as_int32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

// Bound of a log2 bucket: 2^k, k in [0, 64].
std::string pow2_label(unsigned k) {
  static const char* const kSuffix[] = {"", "K", "M", "G", "T"};
  unsigned s = std::min(k / 10, 4u);
  unsigned e = k - s * 10;  // at most 64 - 40 = 24
  return std::to_string(uint64_t{1} << e) + kSuffix[s];
}

// Bound of an lhist bucket.
std::string linear_label(int64_t v) {
  if (v != 0 && v % (int64_t{1} << 20) == 0) return std::to_string(v / (int64_t{1} << 20)) + "M";
  if (v != 0 && v % 1024 == 0) return std::to_string(v / 1024) + "K";
  return std::to_string(v);
}

int bar_length(uint64_t count, int32_t max32) {
  float r = static_cast<float>(count) / static_cast<float>(max32) * static_cast<float>(kBarWidth);
  if (std::isnan(r) || r < 0.0f) return 0;
  if (r >= 2147483648.0f) return kBarWidth;  // bpftrace aborts here; stay sane
  return static_cast<int>(r);
}

void append_row(std::string& out, const std::string& label, uint64_t shown, uint64_t count,
                int32_t max32) {
  out += label;
  if (label.size() < kLabelWidth) out.append(kLabelWidth - label.size(), ' ');
  std::string num = std::to_string(shown);
  if (num.size() < kCountWidth) out.append(kCountWidth - num.size(), ' ');
  out += num;
  out += " |";
  int bar = bar_length(count, max32);
  out.append(static_cast<std::size_t>(bar), '@');
  if (bar < kBarWidth) out.append(static_cast<std::size_t>(kBarWidth - bar), ' ');
  out += "|\n";
}

// First and last buckets with a (64-bit) nonzero count (-1 if none), and the largest count
// as bpftrace's int bookkeeping sees it (lhist and llhist rows).
void nonzero_span(const std::vector<uint64_t>& buckets, long& first, long& last, int32_t& max32) {
  first = last = -1;
  max32 = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] != 0) {
      if (first < 0) first = static_cast<long>(i);
      last = static_cast<long>(i);
    }
    max32 = std::max(max32, as_int32(buckets[i]));
  }
}

std::string log2_label(std::size_t i) {
  if (i == 0) return "(..., 0)";
  if (i == 1) return "[0]";
  if (i == 2) return "[1]";
  unsigned k = static_cast<unsigned>(i - 2);
  return "[" + pow2_label(k) + ", " + pow2_label(k + 1) + ")";
}

}  // namespace

std::string log2_hist_rows(const std::vector<uint64_t>& buckets, uint64_t div) {
  if (div == 0) div = 1;
  long first = -1, last = -1;
  int32_t max32 = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    int32_t v = as_int32(buckets[i]);
    if (v > 0) {
      if (first < 0) first = static_cast<long>(i);
      last = static_cast<long>(i);
    }
    max32 = std::max(max32, v);
  }
  std::string out;
  if (first < 0) return out;
  for (long i = first; i <= last; ++i) {
    uint64_t c = buckets[static_cast<std::size_t>(i)];
    append_row(out, log2_label(static_cast<std::size_t>(i)), c / div, c, max32);
  }
  return out;
}

std::string linear_hist_rows(const std::vector<uint64_t>& buckets, int64_t min, int64_t max,
                             int64_t step, uint64_t /*div: ignored by bpftrace 0.17*/) {
  long first, last;
  int32_t max32;
  nonzero_span(buckets, first, last, max32);
  std::string out;
  if (first < 0 || max32 <= 0) return out;
  const std::size_t n = buckets.size();
  for (long li = first; li <= last; ++li) {
    std::size_t i = static_cast<std::size_t>(li);
    std::string label;
    if (i == 0) {
      label = "(..., " + linear_label(min) + ")";
    } else if (i + 1 == n) {
      label = "[" + linear_label(max) + ", ...)";
    } else {
      int64_t lo = min + static_cast<int64_t>(i - 1) * step;
      label = "[" + linear_label(lo) + ", " + linear_label(lo + step) + ")";
    }
    append_row(out, label, buckets[i], buckets[i], max32);
  }
  return out;
}

std::string bounded_hist_rows(const std::vector<uint64_t>& buckets, const std::vector<uint64_t>& lower) {
  long first, last;
  int32_t max32;
  nonzero_span(buckets, first, last, max32);
  std::string out;
  if (first < 0 || max32 <= 0 || buckets.size() != lower.size() + 1) return out;
  for (long li = first; li <= last; ++li) {
    std::size_t i = static_cast<std::size_t>(li);
    std::string label;
    if (i == 0) label = "(..., " + linear_label(int64_t(lower[0])) + ")";
    else if (i == lower.size()) label = "[" + linear_label(int64_t(lower.back())) + ", ...)";
    else label = "[" + linear_label(int64_t(lower[i - 1])) + ", " + linear_label(int64_t(lower[i])) + ")";
    append_row(out, label, buckets[i], buckets[i], max32);
  }
  return out;
}

}  // namespace scry::fmt
