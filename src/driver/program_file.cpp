#include "src/driver/program_file.h"

#include <algorithm>
#include <cstdlib>

#include "runtime/manifest_json.h"
#include "src/probes/tracepoint_format.h"

namespace scry {

namespace {

const char kShebang[] = "#!/usr/bin/env scry\n";
const char kMagic[] = "scry-program 1\n";

std::string place(const Expr& e) { return std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col); }

// What of `e` comes from the kernel (its BTF, tracepoint formats, symbols); "" if nothing.
std::string kernel_fact(const Expr& e, const ProbeInstance& inst) {
  // A tracepoint's args.NAME: where its format file puts the field.
  if (e.kind == ExprKind::Field && inst.format && e.args[0]->kind == ExprKind::Builtin && e.args[0]->str == "args") {
    const TracepointField* f = inst.format->find(e.str);
    if (f)
      return "tracepoint field " + e.str + " at byte " + std::to_string(f->offset) + " of " + std::to_string(f->size) +
             " bytes (" + f->c_type + (f->data_loc ? ", __data_loc" : "") + ")";
  }
  if (e.kind == ExprKind::Field) {
    const Type& base = e.args[0]->type;
    std::string record = base.kind == TypeKind::Pointer && base.pointee ? base.pointee->name() : base.name();
    return record + " member " + e.str + " at byte " + std::to_string(e.field_offset) +
           (e.field_bits ? " bits " + std::to_string(e.field_shift) + "+" + std::to_string(e.field_bits) : "") +
           " (" + e.type.name() + ")";
  }
  // Constants scry computed (sizes, offsets, addresses) are unsigned; literals are not.
  if (e.kind == ExprKind::Int && e.op == "unsigned") return "constant " + std::to_string(uint64_t(e.ival));
  if (e.type.kind == TypeKind::Record) return e.type.name() + " of " + std::to_string(e.type.size) + " bytes";
  return "";
}

}  // namespace

bool is_program_file(const std::string& text) {
  return text.compare(0, sizeof kShebang - 1, kShebang) == 0 &&
         text.compare(sizeof kShebang - 1, sizeof kMagic - 1, kMagic) == 0;
}

std::string program_file_bytes(const ProgramFile& p) {
  nlohmann::json j = {{"version", p.version}, {"kernel", p.kernel},   {"source", p.source},
                      {"filename", p.filename}, {"params", p.params}, {"options", p.options},
                      {"layout", p.layout},   {"manifest", manifest_to_json(p.manifest)}, {"elf_size", p.elf.size()}};
  std::string out = std::string(kShebang) + kMagic + j.dump() + "\n";
  out.append(p.elf.begin(), p.elf.end());
  return out;
}

bool parse_program_file(const std::string& bytes, ProgramFile& p, std::string& error) {
  error = "not a program scry compiled, or a damaged one";
  if (!is_program_file(bytes)) return false;
  size_t start = sizeof kShebang - 1 + sizeof kMagic - 1;
  size_t end = bytes.find('\n', start);
  if (end == std::string::npos) return false;
  try {
    auto j = nlohmann::json::parse(bytes.begin() + long(start), bytes.begin() + long(end));
    j.at("version").get_to(p.version);
    j.at("kernel").get_to(p.kernel);
    j.at("source").get_to(p.source);
    j.at("filename").get_to(p.filename);
    j.at("params").get_to(p.params);
    p.options = j.at("options");
    j.at("layout").get_to(p.layout);
    if (!manifest_from_json(j.at("manifest"), p.manifest)) return false;
    size_t size = j.at("elf_size").get<size_t>();
    if (bytes.size() - end - 1 != size) return false;
    p.elf.assign(bytes.begin() + long(end) + 1, bytes.end());
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  error.clear();
  return true;
}

LayoutFacts layout_facts(const Program& prog, const std::vector<ProbeInstance>& instances) {
  LayoutFacts out;
  for (auto& inst : instances) {
    auto& facts = out[inst.spec.name];
    probe_mentions(prog.probes[inst.probe_index], [&](const Expr& e) {
      std::string f = kernel_fact(e, inst);
      if (!f.empty()) facts.push_back(place(e) + " " + f);
      return false;
    });
  }
  return out;
}

LayoutDifference layout_difference(const LayoutFacts& compiled, const LayoutFacts& here) {
  // A fact is "LINE:COL what"; the place of the first that differs is where the error points.
  auto split = [](const std::string& fact, Loc& loc) {
    size_t colon = fact.find(':'), space = fact.find(' ');
    if (colon == std::string::npos || space == std::string::npos) return fact;
    loc.line = loc.end_line = atoi(fact.c_str());
    loc.col = loc.end_col = atoi(fact.c_str() + colon + 1);
    return fact.substr(space + 1);
  };
  for (auto& [probe, facts] : compiled) {
    auto it = here.find(probe);
    if (it == here.end()) continue;
    const auto& mine = it->second;
    for (size_t i = 0; i < std::max(facts.size(), mine.size()); i++) {
      if (i < facts.size() && i < mine.size() && facts[i] == mine[i]) continue;
      LayoutDifference d;
      Loc ignored;
      std::string was = i < facts.size() ? split(facts[i], d.loc) : "nothing";
      std::string is = i < mine.size() ? split(mine[i], i < facts.size() ? ignored : d.loc) : "nothing";
      d.message = "compiled for " + was + ", but this kernel has " + is;
      d.probe = probe;
      return d;
    }
  }
  return {};
}

}  // namespace scry
