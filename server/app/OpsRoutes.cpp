#include "server/app/OpsRoutes.h"

#include "server/core/Readiness.h"
#include "server/http/Router.h"
#include "shared/Version.h"

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
            QJsonObject checks;
            for (const auto& [name, status] : report.dependencies) {
                QJsonObject entry{{QStringLiteral("status"), status.up ? QStringLiteral("up") : QStringLiteral("down")},
                                  {QStringLiteral("latency_ms"),
                                   qRound(static_cast<double>(status.latency.count()) / 10.0) / 100.0},
                                  {QStringLiteral("backend"), status.backend}};
                if (!status.detail.isEmpty())
                    entry.insert(QStringLiteral("detail"), status.detail);
                checks.insert(name, entry);
            }
            HttpResponse response = HttpResponse::json(
                report.ready ? 200 : 503,
                QJsonObject{{QStringLiteral("status"), report.ready ? QStringLiteral("ready") : QStringLiteral("unavailable")},
                            {QStringLiteral("checks"), checks}});
            if (!report.ready)
                response.setHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5"));
            return response;
        },
        RouteOptions{.slow = true});
}

} // namespace authshield::server
