#pragma once

#include "server/core/ServerMetrics.h"
#include "server/http/RequestPipeline.h"

namespace authshield::server {

// Counts every finished request by route pattern (not path: ids would explode the label space), method and
// status, and its latency by route.
class HttpMetricsObserver final : public RequestObserver
{
public:
    explicit HttpMetricsObserver(ServerMetrics& metrics);
    void requestFinished(const HttpRequest& request, const Route* route, int status, double milliseconds) override;

private:
    ServerMetrics& m_metrics;
};

} // namespace authshield::server
