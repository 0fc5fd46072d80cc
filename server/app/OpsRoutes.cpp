#include "server/app/OpsRoutes.h"

#include "server/core/Readiness.h"
#include "server/http/Router.h"
#include "shared/Version.h"
#include "shared/dto/Readiness.h"

#include <QJsonObject>

namespace authshield::server {

void registerOpsRoutes(Router& router, const Readiness& readiness)
{
    router.add(HttpMethod::Get, QStringLiteral("/health"), [](const HttpRequest&, RequestContext&) {
        return HttpResponse::json(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")},
                                                   {QStringLiteral("version"), versionString()}});
    });

    router.add(
        HttpMethod::Get, QStringLiteral("/ready"),
        [&readiness](const HttpRequest&, RequestContext&) {
            const Readiness::Report report = readiness.check();
            ReadinessReport answer;
            answer.ready = report.ready;
            for (const auto& [name, status] : report.dependencies) {
                // Milliseconds with two decimals: precise enough to compare, short enough to read.
                answer.dependencies.append({name, status.up,
                                            qRound(static_cast<double>(status.latency.count()) / 10.0) / 100.0,
                                            status.backend, status.detail});
            }
            HttpResponse response = HttpResponse::json(report.ready ? 200 : 503, answer.toJson());
            if (!report.ready)
                response.setHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5"));
            return response;
        },
        RouteOptions{.slow = true});
}

} // namespace authshield::server
