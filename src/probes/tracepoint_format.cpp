#include "src/probes/tracepoint_format.h"

#include "src/types/kernel_info.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace scry {

const TracepointField* TracepointFormat::find(const std::string& name) const {
  for (auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}


static std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t;");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

static std::string attr(const std::string& line, const std::string& key) {
  size_t p = line.find(key + ":");
  if (p == std::string::npos) return "";
  p += key.size() + 1;
  size_t e = line.find(';', p);
  return line.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

TracepointFormat parse_tracepoint_format(const std::string& category, const std::string& event,
                                         const std::string& text) {
  TracepointFormat fmt{category, event, {}};
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string decl = trim(attr(line, "field"));
    if (decl.empty()) continue;
    TracepointField f;
    f.offset = uint32_t(std::stoul(attr(line, "offset")));
    f.size = uint32_t(std::stoul(attr(line, "size")));
    bool is_signed = attr(line, "signed") == "1";
    // The name is the last identifier, before a trailing "[N]" ("char comm[16]"); a "[]"
    // inside the type stays there ("__data_loc char[] filename").
    std::string d = decl;
    size_t bracket = d.back() == ']' ? d.rfind('[') : std::string::npos;
    std::string array = bracket == std::string::npos ? "" : d.substr(bracket);
    if (bracket != std::string::npos) d = trim(d.substr(0, bracket));
    size_t name_start = d.find_last_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
    f.name = d.substr(name_start == std::string::npos ? 0 : name_start + 1);
    f.c_type = trim(d.substr(0, d.size() - f.name.size())) + array;
    if (f.name.rfind("common_", 0) == 0) continue;
    bool is_char = f.c_type.find("char") != std::string::npos && f.c_type.find('*') == std::string::npos;
    if (f.c_type.rfind("__data_loc", 0) == 0) {
      f.data_loc = true;
      if (is_char) f.type = Type::string(64);
      else f.supported = false;
    } else if (!array.empty()) {
      // "__u8 saddr[4]": an array of integers of size / N bytes each (ntop() reads addresses).
      uint32_t n = uint32_t(std::strtoul(array.c_str() + 1, nullptr, 10));
      uint32_t elem = n ? f.size / n : 0;
      if (is_char) f.type = Type::string(f.size);
      else if (n && elem * n == f.size && (elem == 1 || elem == 2 || elem == 4 || elem == 8))
        f.type = Type::array(Type::integer(elem, is_signed), n);
      else f.supported = false;
    } else if (f.c_type.find('*') != std::string::npos) {
      f.type = Type::integer(8, false);
    } else if (f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8) {
      f.type = Type::integer(f.size, is_signed);
    } else {
      f.supported = false;
    }
    fmt.fields.push_back(f);
  }
  return fmt;
}

std::shared_ptr<TracepointFormat> load_tracepoint_format(const std::string& category, const std::string& event) {
  return kernel().tracepoint_format(category, event);
}

const std::vector<std::string>& available_tracepoints() { return kernel().tracepoints(); }

}  // namespace scry
