// A C++ method for uprobes by demangled name: uprobe:TARGET:scry::Counter::bump.
namespace scry {
struct Counter {
  long total = 0;
  __attribute__((noinline)) long bump(long by);
};

long Counter::bump(long by) { return total += by; }
}  // namespace scry

extern "C" long scry_target_cpp(long by) {
  scry::Counter c;
  c.bump(by);
  return c.bump(by);
}
