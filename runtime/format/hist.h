// Text rendering of hist()/lhist() maps, byte-compatible with bpftrace 0.17.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scry::fmt {

// Rows of a log2 histogram as bpftrace prints them under "@name[key]:" (not including that
// header line, and not the trailing blank line after a map). buckets[i] is the count in bucket i:
// i = 0: values < 0; i = 1: value 0; i >= 2: values in [2^(i-2), 2^(i-1)). Up to 66 buckets.
//
// Rules observed from bpftrace 0.17:
//  * Row layout: label left-aligned in 16 columns, count right-aligned in 8 columns (both widen
//    when longer, never truncated), then " |", the bar padded with spaces to 52 columns, "|\n".
//  * Labels: "(..., 0)", "[0]", "[1]", "[2, 4)", ..., "[512, 1K)", "[1K, 2K)", ... Powers of two
//    use suffixes K/M/G/T (2^10/2^20/2^30/2^40); there is no P/E: "[512T, 1024T)",
//    "[4194304T, 8388608T)". (bpftrace itself aborts on bucket 65; we print "[8388608T, 16777216T)".)
//  * Rows printed: from the first to the last bucket whose count, truncated to int32, is > 0,
//    including zero rows in between. Nothing is printed ("") when there is no such bucket.
//  * Bar length = (int)((float)count / (float)max32 * 52) with single-precision float arithmetic,
//    max32 = largest count truncated to int32. It can exceed 52 (no padding then) when counts
//    overflow int32. (bpftrace aborts if the length overflows int; we then print a full 52 bar.)
//  * print(@h, top, div): the displayed count is count / div (integer division; div 0 means 1),
//    but row selection and bars still use the undivided counts.
std::string log2_hist_rows(const std::vector<uint64_t>& buckets, uint64_t div = 1);

// Rows of a linear histogram lhist(v, min, max, step). buckets.size() == (max-min)/step + 2:
// i = 0: v < min; i = 1..n: [min + (i-1)*step, min + i*step); last: v >= max.
//
// Rules observed from bpftrace 0.17 (same row layout and bar rule as log2_hist_rows):
//  * Labels: "(..., min)", "[a, b)", "[max, ...)" (the last row uses max even when (max-min) is
//    not a multiple of step). A bound is printed as N"M" if it is a nonzero multiple of 2^20,
//    else N"K" if a nonzero multiple of 2^10, else in decimal: "1K", "1536", "1536K", "1024M".
//  * Rows printed: first to last bucket with a nonzero (64-bit) count; "" if none, and also ""
//    when the largest int32-truncated count is not positive.
//  * `div` is accepted for symmetry but ignored: bpftrace 0.17's print(@l, top, div) does not
//    divide lhist counts.
std::string linear_hist_rows(const std::vector<uint64_t>& buckets, int64_t min, int64_t max,
                             int64_t step, uint64_t div = 1);

// Rows of a histogram with arbitrary bucket bounds (llhist): buckets[0] holds values below
// lower[0], buckets[i] values in [lower[i-1], lower[i]), the last values >= lower.back().
// Same layout and row selection as linear_hist_rows.
std::string bounded_hist_rows(const std::vector<uint64_t>& buckets, const std::vector<uint64_t>& lower);

}  // namespace scry::fmt
