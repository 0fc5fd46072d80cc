#include "server/http/HttpMetricsObserver.h"

namespace authshield::server {

HttpMetricsObserver::HttpMetricsObserver(ServerMetrics& metrics)
    : m_metrics(metrics)
{
}

void HttpMetricsObserver::requestFinished(const HttpRequest& request, const Route* route, int status,
                                          double milliseconds)
{
    const QString pattern = route ? route->pattern : QStringLiteral("unmatched");
    // Unknown methods stay one label value, whatever the client sent.
    m_metrics.httpRequests.labels({pattern, httpMethodName(request.method), QString::number(status)}).increment();
    m_metrics.httpDuration.labels({pattern}).observe(milliseconds / 1000.0);
}

} // namespace authshield::server
