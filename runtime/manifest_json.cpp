#include "runtime/manifest_json.h"

#include <nlohmann/json.hpp>

namespace scry {

using json = nlohmann::json;

// Type: written by hand (its pointee is shared, and recursive).
void to_json(json& j, const Type::Field& f) { j = json{{"name", f.name}, {"shift", f.bit_shift}, {"bits", f.bits}}; }
void from_json(const json& j, Type::Field& f) {
  j.at("name").get_to(f.name);
  j.at("shift").get_to(f.bit_shift);
  j.at("bits").get_to(f.bits);
}

void to_json(json& j, const Type& t) {
  j = json{{"kind", int(t.kind)}, {"size", t.size}, {"signed", t.is_signed}};
  if (!t.elems.empty()) j["elems"] = t.elems, j["offsets"] = t.offsets;
  if (!t.fields.empty()) j["fields"] = t.fields;
  if (t.lmin || t.lmax || t.lstep || t.lfactor) j["l"] = {t.lmin, t.lmax, t.lstep, t.lfactor};
  if (!t.record_name.empty()) j["record"] = t.record_name, j["btf_id"] = t.btf_id;
  if (t.pointee) j["pointee"] = *t.pointee;
  if (t.count) j["count"] = t.count;
  if (t.user) j["user"] = true;
  if (!t.value_kind.empty()) j["value_kind"] = t.value_kind;
  if (t.kind == TypeKind::KStack || t.kind == TypeKind::UStack) j["stack"] = {int(t.stack_mode), t.stack_frames};
}

void from_json(const json& j, Type& t) {
  t = Type{};
  t.kind = TypeKind(j.at("kind").get<int>());
  j.at("size").get_to(t.size);
  j.at("signed").get_to(t.is_signed);
  if (j.contains("elems")) j.at("elems").get_to(t.elems), j.at("offsets").get_to(t.offsets);
  if (j.contains("fields")) j.at("fields").get_to(t.fields);
  if (j.contains("l")) {
    auto& l = j.at("l");
    t.lmin = l[0], t.lmax = l[1], t.lstep = l[2], t.lfactor = l[3];
  }
  if (j.contains("record")) j.at("record").get_to(t.record_name), j.at("btf_id").get_to(t.btf_id);
  if (j.contains("pointee")) t.pointee = std::make_shared<Type>(j.at("pointee").get<Type>());
  if (j.contains("count")) j.at("count").get_to(t.count);
  t.user = j.value("user", false);
  t.value_kind = j.value("value_kind", "");
  if (j.contains("stack")) t.stack_mode = StackMode(j.at("stack")[0].get<int>()), t.stack_frames = j.at("stack")[1];
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ProbeSpec, kind, attach, listed, name, prog_name, category, event, period_ns,
                                   freq_hz, path, func, func_display, funcs, funcs_base, offset, sw_config, sw_period, hint,
                                   ref_ctr_offset, wp_addr, wp_len, wp_mode, block, wp_arg, wp_async)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MapSpec, name, bpf_name, key, value, max_entries, percpu, bucketed, hist_sum, key_names)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StackMapSpec, bpf_name, frames)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PrintfSpec, print_value, format, args, offsets)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HelperSite, helper, line, col, end_col, file, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Manifest, probes, maps, printfs, time_formats, join_separators,
                                   cgroup_filters, stack_maps, ringbuf_map, drops_map, globals_map, ringbuf_size,
                                   helper_check, helper_sites, needs_unsafe, runtime_params)

json manifest_to_json(const Manifest& m) { return json(m); }

bool manifest_from_json(const json& j, Manifest& m) {
  try {
    j.get_to(m);
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace scry
