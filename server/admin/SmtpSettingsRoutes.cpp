#include "server/admin/SmtpSettingsRoutes.h"

#include "server/accounts/EmailAddress.h"
#include "server/audit/AuditLog.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/mail/SmtpDiagnostics.h"
#include "server/mail/SmtpHealth.h"
#include "server/mail/SmtpSettings.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin{request.clientAddress.toString(), request.userAgent(), request.requestId};
}

QJsonObject answer(const SmtpSettingsStore& store)
{
    QJsonObject json = store.current().toPublicJson();
    json.insert(u"source"_s, store.isStored() ? u"database"_s : u"config"_s);
    return json;
}
} // namespace

void registerSmtpSettingsRoutes(Router& router, SmtpSettingsStore& settings, SmtpHealth& health,
                                const AuditLog& auditLog)
{
    const QString path = u"/api/v1/admin/settings/smtp"_s;
    router.add(
        HttpMethod::Get, path,
        [&settings](const HttpRequest&, RequestContext&) { return HttpResponse::json(200, answer(settings)); },
        RouteOptions{.auth = Auth::Bearer, .permission = u"settings.read"_s});

    router.add(
        HttpMethod::Put, path,
        [&settings](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = parseJsonObject(request.body);
            if (!body)
                return HttpResponse::error(body.error());
            Result<SmtpSettings> updated
                = settings.update(*body, context.principal ? context.principal->userId : QString(), originOf(request));
            if (!updated)
                return HttpResponse::error(updated.error());
            return HttpResponse::json(200, answer(settings));
        },
        RouteOptions{.auth = Auth::Bearer, .permission = u"settings.write"_s, .jsonBody = true, .sensitiveBody = true});

    router.add(
        HttpMethod::Post, path + u"/test"_s,
        [&settings, &health, &auditLog](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = parseJsonObject(request.body);
            if (!body)
                return HttpResponse::error(body.error());
            JsonFields fields(*body);
            const QString to = fields.requiredString(u"to"_s, EmailAddress::kMaxLength);
            if (!fields.ok())
                return HttpResponse::error(fields.error());
            Result<QString> address = EmailAddress::normalise(to, u"to"_s);
            if (!address)
                return HttpResponse::error(address.error());
            const SmtpSettings current = settings.current();
            if (!current.isConfigured())
                return HttpResponse::error(Error{ErrorCode::ValidationFailed, u"no SMTP host is configured"_s,
                                                 {{u"host"_s, u"is not set"_s}}});
            const SmtpDiagnosticReport report = SmtpDiagnostics::runBlocking(current, *address);
            health.record(report);
            const RequestOrigin origin = originOf(request);
            AuditEvent event;
            event.type = u"settings.smtp.tested"_s;
            event.actorId = context.principal ? context.principal->userId : QString();
            event.ip = origin.ip;
            event.userAgent = origin.userAgent;
            event.requestId = origin.requestId;
            event.outcome = report.ok ? u"success"_s : u"failure"_s;
            event.details = QJsonObject{{u"to"_s, *address},
                                        {u"host"_s, report.host},
                                        {u"port"_s, report.port},
                                        {u"failed_step"_s, report.failedStep},
                                        {u"error_class"_s, report.errorClass}};
            if (Result<qint64> recorded = auditLog.record(event); !recorded)
                return HttpResponse::error(recorded.error());
            return HttpResponse::json(200, report.toJson());
        },
        RouteOptions{.auth = Auth::Bearer, .permission = u"settings.write"_s, .jsonBody = true, .slow = true});
}

} // namespace authshield::server
