#include "runtime/printf.h"

#include "runtime/format/value.h"

#include <cstdio>
#include <cstring>

namespace scry {

std::vector<FormatSpec> parse_format(const std::string& fmt, std::string& error) {
  std::vector<FormatSpec> out;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt[i] != '%') continue;
    if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
      i++;
      continue;
    }
    // A '%' that cannot start a conversion ("100%", "50% of") is text, as in bpftrace.
    if (i + 1 >= fmt.size() || !std::strchr("-+ #0123456789.hljztdiuxXocspr", fmt[i + 1])) continue;
    FormatSpec s;
    s.start = i;
    size_t j = i + 1;
    while (j < fmt.size() && std::strchr("-+ #0", fmt[j])) s.flags += fmt[j++];
    while (j < fmt.size() && isdigit((unsigned char)fmt[j])) s.width += fmt[j++];
    if (j < fmt.size() && fmt[j] == '.') {
      j++;
      s.precision = ".";
      while (j < fmt.size() && isdigit((unsigned char)fmt[j])) s.precision += fmt[j++];
    }
    for (const char* len : {"hh", "ll", "h", "l", "j", "z", "t"}) {
      if (fmt.compare(j, std::strlen(len), len) == 0) {
        s.length = len;
        j += s.length.size();
        break;
      }
    }
    if (j >= fmt.size() || !std::strchr("diuxXocspr", fmt[j])) {
      error = "invalid conversion '" + fmt.substr(i, j - i + (j < fmt.size() ? 1 : 0)) +
              "' (supported: %d %i %u %x %X %o %c %s %p %r %rx %rh with flags, width, precision and h/l/ll)";
      return out;
    }
    s.conv = fmt[j];
    if (s.conv == 'r' && j + 1 < fmt.size() && (fmt[j + 1] == 'x' || fmt[j + 1] == 'h')) s.variant = fmt[++j];
    s.end = j + 1;
    out.push_back(s);
    i = j;
  }
  return out;
}

static uint64_t read_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// snprintf into a string as long as the result: widths and strings have no fixed limit.
template <typename... Args>
static std::string c_format(const std::string& format, Args... args) {
  int n = snprintf(nullptr, 0, format.c_str(), args...);
  if (n <= 0) return "";
  std::string out(size_t(n) + 1, '\0');
  snprintf(out.data(), out.size(), format.c_str(), args...);
  out.resize(size_t(n));
  return out;
}

std::string format_printf(const PrintfSpec& spec, const uint8_t* data, size_t size,
                          const ValueNames& names) {
  if (spec.print_value) {
    if (spec.args.empty() || spec.offsets[0] + spec.args[0].size > size) return "\n";
    return fmt::format_scalar(spec.args[0], data + spec.offsets[0], names, 8) + "\n";
  }
  std::string err;
  auto specs = parse_format(spec.format, err);
  std::string out;
  size_t pos = 0;
  // Text before a conversion turns "%%" into "%"; bpftrace 0.17 copies the text after the
  // last conversion verbatim, "%%" included, and so does scry.
  auto literal = [&](size_t from, size_t to) {
    for (size_t k = from; k < to; k++) {
      out += spec.format[k];
      if (spec.format[k] == '%' && k + 1 < to && spec.format[k + 1] == '%') k++;
    }
  };
  for (size_t i = 0; i < specs.size() && i < spec.args.size(); i++) {
    const FormatSpec& s = specs[i];
    literal(pos, s.start);
    pos = s.end;
    const Type& t = spec.args[i];
    uint32_t off = spec.offsets[i];
    if (off + t.size > size) break;
    std::string conv = "%" + s.flags + s.width + s.precision;
    if (s.conv == 's' || s.conv == 'r') {
      std::string str;
      if (t.kind == TypeKind::String && !t.is_signed) {
        const char* p = reinterpret_cast<const char*>(data + off);
        str.assign(p, strnlen(p, t.size));
      } else if (t.kind == TypeKind::String && s.conv == 'r') {
        str = fmt::format_buffer(data + off, t.size, s.variant);
      } else {
        str = fmt::format_scalar(t, data + off, names, 8);
      }
      out += c_format(conv + "s", str.c_str());
      continue;
    }
    uint64_t v = read_u64(data + off);
    // Length modifiers truncate like C's printf does with a narrower argument.
    if (s.length == "hh") v = std::strchr("di", s.conv) ? uint64_t(int64_t(int8_t(v))) : uint8_t(v);
    else if (s.length == "h") v = std::strchr("di", s.conv) ? uint64_t(int64_t(int16_t(v))) : uint16_t(v);
    // Without l/ll the argument is an int, as in C (bpftrace prints %x of -1 as ffffffff).
    else if (s.length.empty() && s.conv != 'p')
      v = std::strchr("di", s.conv) ? uint64_t(int64_t(int32_t(v))) : uint32_t(v);
    switch (s.conv) {
      case 'd':
      case 'i':
        out += c_format(conv + "lld", (long long)v);
        break;
      case 'c':
        // A NUL prints nothing (bpftrace's output is C strings: it ends there).
        if (char(v)) out += c_format(conv + "c", int(char(v)));
        break;
      case 'p':
        out += "0x" + c_format(conv + "llx", (unsigned long long)v);
        break;
      default:
        out += c_format(conv + "ll" + s.conv, (unsigned long long)v);
    }
  }
  out += spec.format.substr(pos);
  return out;
}

}  // namespace scry
