#include "runtime/maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <map>

namespace scry {

static uint64_t get64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

std::vector<uint8_t> fold_percpu(const MapSpec& spec, const uint8_t* raw, int ncpus) {
  uint32_t vs = spec.bpf_value_size();
  uint32_t stride = (vs + 7) / 8 * 8;
  std::vector<uint8_t> out(vs, 0);
  const Type& t = spec.value;
  for (int c = 0; c < ncpus; c++) {
    const uint8_t* v = raw + size_t(c) * stride;
    switch (t.kind) {
      case TypeKind::Min:
      case TypeKind::Max: {
        if (!get64(v + 8)) break;  // this CPU never saw a value
        int64_t nv = int64_t(get64(v)), ov = int64_t(get64(out.data()));
        bool seen = get64(out.data() + 8) != 0;
        bool better;
        if (t.is_signed) better = t.kind == TypeKind::Min ? nv < ov : nv > ov;
        else better = t.kind == TypeKind::Min ? uint64_t(nv) < uint64_t(ov) : uint64_t(nv) > uint64_t(ov);
        if (!seen || better) put64(out.data(), uint64_t(nv));
        put64(out.data() + 8, 1);
        break;
      }
      default:
        // Counts, sums, {count, total} and a bucket's count: add word by word.
        for (uint32_t off = 0; off + 8 <= vs; off += 8) put64(out.data() + off, get64(out.data() + off) + get64(v + off));
    }
  }
  return out;
}

std::vector<MapEntry> group_buckets(const MapSpec& spec, std::vector<MapEntry> raw) {
  uint32_t ks = spec.key_size(), index_at = spec.bpf_key_size() - 8, nb = spec.bucket_slots();
  std::map<std::vector<uint8_t>, std::vector<uint8_t>> by_key;
  for (auto& e : raw) {
    if (e.key.size() < index_at + 8 || e.value.size() < 8) continue;
    uint64_t bucket = get64(e.key.data() + index_at);
    if (bucket >= nb) continue;
    auto& value = by_key[std::vector<uint8_t>(e.key.begin(), e.key.begin() + ks)];
    value.resize(8 * size_t(nb));
    put64(value.data() + 8 * bucket, get64(value.data() + 8 * bucket) + get64(e.value.data()));
  }
  std::vector<MapEntry> out;
  out.reserve(by_key.size());
  for (auto& [key, value] : by_key) out.push_back({key, std::move(value)});
  return out;
}

std::vector<MapEntry> read_map(int fd, const MapSpec& spec) {
  std::vector<MapEntry> out;
  uint32_t ks = spec.bpf_key_size();
  uint32_t vs = spec.bpf_value_size();
  int ncpus = spec.percpu ? libbpf_num_possible_cpus() : 1;
  std::vector<uint8_t> key(ks), next(ks), raw(size_t((vs + 7) / 8 * 8) * ncpus);
  void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (bpf_map_lookup_elem(fd, next.data(), raw.data()) == 0) {
      MapEntry e;
      e.key = next;
      e.value = spec.percpu ? fold_percpu(spec, raw.data(), ncpus)
                            : std::vector<uint8_t>(raw.begin(), raw.begin() + vs);
      out.push_back(std::move(e));
    }
    key = next;
    prev = key.data();
  }
  return spec.bucketed ? group_buckets(spec, std::move(out)) : out;
}

std::vector<uint64_t> read_drops(int fd, size_t slots) {
  std::vector<uint64_t> out(slots, 0);
  int ncpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> vals(static_cast<size_t>(ncpus));
  for (uint32_t i = 0; i < slots; i++) {
    if (bpf_map_lookup_elem(fd, &i, vals.data()) != 0) continue;
    for (auto v : vals) out[i] += v;
  }
  return out;
}

}  // namespace scry
