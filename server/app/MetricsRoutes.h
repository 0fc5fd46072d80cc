#pragma once

#include <QString>

namespace authshield::server {

class MetricsRegistry;
class Router;

// GET /metrics in the Prometheus text format 0.0.4. With a bearer token configured, callers must present it
// (compared in constant time); otherwise the route is open and must be kept private by its listener.
void registerMetricsRoutes(Router& router, const MetricsRegistry& registry, const QString& bearerToken);

} // namespace authshield::server
