// Tracepoint argument layouts, read from tracefs format files.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "src/types/type.h"

namespace scry {

struct TracepointField {
  std::string name;
  std::string c_type;  // as declared, e.g. "const char *"
  Type type;           // Integer (pointers are uint64), or String for char arrays and __data_loc
  uint32_t offset = 0;
  uint32_t size = 0;
  bool data_loc = false;  // __data_loc char[]: u32 (len << 16 | offset) into the record
  bool supported = true;  // false for arrays of non-char types
};

struct TracepointFormat {
  std::string category, event;
  std::vector<TracepointField> fields;  // without the common_* header fields
  const TracepointField* find(const std::string& name) const;
};


// Parses the text of a format file. Exposed for unit tests.
TracepointFormat parse_tracepoint_format(const std::string& category, const std::string& event,
                                         const std::string& text);

// The format of a tracepoint of the kernel the compiler compiles for (kernel_info.h); nullptr
// if it does not exist.
std::shared_ptr<TracepointFormat> load_tracepoint_format(const std::string& category,
                                                         const std::string& event);

// "category:event" names of all its tracepoints (sorted).
const std::vector<std::string>& available_tracepoints();

}  // namespace scry
