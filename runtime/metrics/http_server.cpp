// The plugin scry-http.so: the --metrics endpoint on cpp-httplib.
#include <httplib.h>
#include <signal.h>

#include <thread>

#include "runtime/metrics/endpoint.h"

namespace scry {
namespace {

// Scrapes take turns at the maps anyway (the render function locks): two threads let a
// second scraper connect while one is answered.
constexpr size_t kServerThreads = 2;

class HttpEndpoint : public MetricsEndpoint {
 public:
  explicit HttpEndpoint(MetricsRender render) : render_(std::move(render)) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
    // SO_REUSEADDR (a restarted scry gets its port back at once), but not httplib's default
    // SO_REUSEPORT: a second scry on the same port must be refused, not handed half the scrapes.
    server_.set_socket_options([](int sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(render_(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("scry: the program's maps are at /metrics\n", "text/plain; charset=utf-8");
    });
  }
  ~HttpEndpoint() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool start(const std::string& host, int port, std::string& error) {
    port_ = port == 0 ? server_.bind_to_any_port(host) : server_.bind_to_port(host, port) ? port : -1;
    if (port_ <= 0) {
      error = "--metrics: cannot listen on " + host + ":" + std::to_string(port) + ": " +
              (errno ? strerror(errno) : "the address does not resolve");
      return false;
    }
    // The server's threads take no signals: Ctrl-C and the rest go to scry's main thread.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return true;
  }
  int port() const override { return port_; }

 private:
  MetricsRender render_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace
}  // namespace scry

extern "C" __attribute__((visibility("default"))) scry::MetricsEndpoint* scry_http_serve(
    const std::string& host, int port, scry::MetricsRender render, std::string& error) {
  auto endpoint = std::make_unique<scry::HttpEndpoint>(std::move(render));
  errno = 0;
  if (!endpoint->start(host, port, error)) return nullptr;
  return endpoint.release();
}
