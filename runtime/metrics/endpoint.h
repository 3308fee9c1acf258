// --metrics: an HTTP endpoint that serves the program's maps to Prometheus while it runs.
// The HTTP server (cpp-httplib) is a plugin, scry-http.so, loaded only for --metrics: it
// brings OpenSSL and more with it, which would cost every other run start-up time.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace scry {

// A listening endpoint; destroying it stops the server and joins its threads.
class MetricsEndpoint {
 public:
  virtual ~MetricsEndpoint() = default;
  virtual int port() const = 0;  // the port it listens on (the one the system chose for 0)
};

// What one scrape answers: the text, made on a server thread.
using MetricsRender = std::function<std::string()>;

// Listens on `host`:`port` (port 0: any free port) and answers GET /metrics with `render()`.
// nullptr and the reason in `error` when the plugin cannot be loaded or the port bound.
std::unique_ptr<MetricsEndpoint> serve_metrics(const std::string& host, int port, MetricsRender render,
                                               std::string& error);

// The plugin's one export (its signature: ServeFn).
constexpr const char* kServeSymbol = "scry_http_serve";
using ServeFn = MetricsEndpoint* (*)(const std::string& host, int port, MetricsRender render, std::string& error);

}  // namespace scry
