#include "runtime/metrics/endpoint.h"

#include "runtime/plugins.h"

namespace scry {

std::unique_ptr<MetricsEndpoint> serve_metrics(const std::string& host, int port, MetricsRender render,
                                               std::string& error) {
  std::string why;
  auto serve = reinterpret_cast<ServeFn>(plugin_symbol("scry-http.so", "SCRY_HTTP_PLUGIN", kServeSymbol, why));
  if (!serve) {
    error = "cannot load scry's HTTP server (--metrics): " + why;
    return nullptr;
  }
  return std::unique_ptr<MetricsEndpoint>(serve(host, port, std::move(render), error));
}

}  // namespace scry
