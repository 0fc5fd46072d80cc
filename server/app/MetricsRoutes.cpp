#include "server/app/MetricsRoutes.h"

#include "server/core/Metrics.h"
#include "server/crypto/ConstantTime.h"
#include "server/http/Router.h"

namespace authshield::server {

void registerMetricsRoutes(Router& router, const MetricsRegistry& registry, const QString& bearerToken)
{
    const QByteArray expected = bearerToken.toUtf8();
    router.add(
        HttpMethod::Get, QStringLiteral("/metrics"),
        [&registry, expected](const HttpRequest& request, RequestContext&) {
            if (!expected.isEmpty()) {
                const QByteArray authorization = request.header(QByteArrayLiteral("authorization"));
                const bool isBearer = authorization.size() > 7 && authorization.first(7).toLower() == "bearer ";
                if (!isBearer || !constantTimeEquals(authorization.mid(7).trimmed(), expected)) {
                    HttpResponse response = HttpResponse::error(
                        ErrorCode::InvalidToken, QStringLiteral("the metrics bearer token is required"));
                    response.setHeader(QByteArrayLiteral("WWW-Authenticate"),
                                       QByteArrayLiteral("Bearer realm=\"metrics\""));
                    return response;
                }
            }
            return HttpResponse::text(200, registry.render(),
                                      QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
        },
        RouteOptions{.slow = true});
}

} // namespace authshield::server
