#include "server/admin/MfaAdminRoutes.h"

#include "server/http/Router.h"
#include "server/mfa/MfaService.h"

namespace authshield::server {

void registerMfaAdminRoutes(Router& router, MfaService& mfa)
{
    router.add(
        HttpMethod::Get, QStringLiteral("/api/v1/admin/users/{id}/mfa"),
        [&mfa](const HttpRequest& request, RequestContext&) {
            Result<MfaStatus> status = mfa.status(request.pathParam(QStringLiteral("id")));
            if (!status)
                return HttpResponse::error(status.error());
            const QJsonValue enrolledAt = status->enrolledAt
                ? QJsonValue(status->enrolledAt->toUTC().toString(Qt::ISODateWithMs))
                : QJsonValue(QJsonValue::Null);
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("totp_enabled"), status->totpEnabled},
                                                       {QStringLiteral("recovery_codes_remaining"),
                                                        status->recoveryCodesRemaining},
                                                       {QStringLiteral("enrolled_at"), enrolledAt}});
        },
        RouteOptions{.auth = Auth::Bearer, .permission = QStringLiteral("users.read")});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/admin/users/{id}/mfa/reset"),
        [&mfa](const HttpRequest& request, RequestContext& context) {
            const RequestOrigin origin{request.clientAddress.toString(), request.userAgent(), request.requestId};
            Result<void> reset = mfa.adminReset(request.pathParam(QStringLiteral("id")), context.principal->userId,
                                                origin);
            return reset ? HttpResponse::noContent() : HttpResponse::error(reset.error());
        },
        RouteOptions{.auth = Auth::Bearer, .permission = QStringLiteral("users.write"), .jsonBody = true,
                     .slow = true});
}

} // namespace authshield::server
