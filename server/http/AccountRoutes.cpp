#include "server/http/AccountRoutes.h"

#include "server/accounts/AccountService.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace authshield::server {

namespace {

// Generous raw limits: the real rules (password bytes, name length) are the service's, with better reasons.
constexpr int kMaxEmail = 320;
constexpr int kMaxPassword = 4096;
constexpr int kMaxToken = 128;
constexpr int kMaxDisplayNameInput = 1000;

RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin { request.clientAddress.toString(), request.userAgent(), request.requestId };
}

QJsonValue isoTime(const std::optional<QDateTime>& time)
{
    return time ? QJsonValue(time->toUTC().toString(Qt::ISODateWithMs)) : QJsonValue(QJsonValue::Null);
}

QJsonObject profileJson(const AccountProfile& profile)
{
    const User& user = profile.user;
    return QJsonObject { { QStringLiteral("id"), user.id },
                         { QStringLiteral("email"), user.email },
                         { QStringLiteral("email_verified"), user.emailVerified },
                         { QStringLiteral("display_name"), user.displayName },
                         { QStringLiteral("roles"), QJsonArray::fromStringList(profile.roles) },
                         { QStringLiteral("created_at"), isoTime(user.createdAt) },
                         { QStringLiteral("last_login_at"), isoTime(user.lastLoginAt) } };
}

bool sameView(const AccountProfile& a, const AccountProfile& b)
{
    return a.user.id == b.user.id && a.user.email == b.user.email && a.user.emailVerified == b.user.emailVerified
        && a.user.displayName == b.user.displayName && a.user.createdAt == b.user.createdAt
        && a.user.lastLoginAt == b.user.lastLoginAt && a.roles == b.roles;
}

// GET /users/me answers from the user-view cache at high rates and its body only changes with the view, so each
// HTTP thread keeps the bodies it built last (bounded) and reuses one while everything it shows is unchanged.
HttpResponse profileAnswer(const AccountProfile& profile)
{
    struct Entry
    {
        AccountProfile profile;
        QByteArray body;
    };
    constexpr qsizetype kMaxBodies = 1024;
    thread_local QHash<QString, Entry> bodies;
    const auto it = bodies.constFind(profile.user.id);
    if (it != bodies.cend() && sameView(it->profile, profile))
        return HttpResponse::text(200, it->body, QByteArrayLiteral("application/json"));
    HttpResponse response = HttpResponse::json(200, profileJson(profile));
    if (bodies.size() >= kMaxBodies)
        bodies.clear();
    bodies.insert(profile.user.id, Entry { profile, response.body });
    return response;
}

HttpResponse accepted(const QString& status)
{
    return HttpResponse::json(202, QJsonObject { { QStringLiteral("status"), status } });
}

HttpResponse answer(const Result<void>& result, const std::function<HttpResponse()>& onSuccess)
{
    if (result)
        return onSuccess();
    const Error& error = result.error();
    // A conflict naming its own code (accounts/AdminErrors.h, e.g. last_admin) answers with it, as the admin API does.
    if (error.code == ErrorCode::Conflict && error.fields.size() == 1 && error.fields.contains(QStringLiteral("code")))
        return HttpResponse::json(409, QJsonObject { { QStringLiteral("error"),
                                                       QJsonObject { { QStringLiteral("code"),
                                                                       error.fields.value(QStringLiteral("code")) },
                                                                     { QStringLiteral("message"), error.message } } } });
    return HttpResponse::error(error);
}

// Parses the body and hands the typed fields over; 400/422 on the way when they are not right.
template<typename Handler> HttpResponse withFields(const HttpRequest& request, Handler&& handler)
{
    Result<QJsonObject> body = parseJsonObject(request.body);
    if (!body)
        return HttpResponse::error(body.error());
    JsonFields fields(*body);
    return handler(fields);
}

} // namespace

void registerAccountRoutes(Router& router, AccountService& accounts)
{
    const QString base = QStringLiteral("/api/v1");
    const RouteOptions anonymousSlow { .jsonBody = true, .slow = true, .sensitiveBody = true };
    const RouteOptions bearerSlow { .auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true };

    RouteOptions registerOptions = anonymousSlow;
    registerOptions.rateLimitPolicies = { QStringLiteral("register_ip") };
    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/register"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            return withFields(request, [&](JsonFields& fields) {
                const QString email = fields.requiredString(QStringLiteral("email"), kMaxEmail);
                const QString password = fields.requiredString(QStringLiteral("password"), kMaxPassword);
                const QString name
                    = fields.optionalString(QStringLiteral("display_name"), kMaxDisplayNameInput).value_or(QString());
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.registerAccount(email, password, name, originOf(request)),
                              [] { return accepted(QStringLiteral("verification_sent")); });
            });
        },
        registerOptions);

    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/verify-email"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            return withFields(request, [&](JsonFields& fields) {
                const QString token = fields.requiredString(QStringLiteral("token"), kMaxToken);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.verifyEmail(token.toLatin1(), originOf(request)), [] {
                    return HttpResponse::json(200,
                                              QJsonObject { { QStringLiteral("status"), QStringLiteral("verified") } });
                });
            });
        },
        RouteOptions { .jsonBody = true,
                       .sensitiveBody = true,
                       .rateLimitPolicies = { QStringLiteral("verify_ip") } });

    RouteOptions resendOptions { .jsonBody = true };
    resendOptions.rateLimitPolicies = { QStringLiteral("resend_ip") };
    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/resend-verification"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            return withFields(request, [&](JsonFields& fields) {
                const QString email = fields.requiredString(QStringLiteral("email"), kMaxEmail);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.resendVerification(email, originOf(request)),
                              [] { return accepted(QStringLiteral("verification_sent")); });
            });
        },
        resendOptions);

    RouteOptions forgotOptions { .jsonBody = true };
    // forgot_account is applied inside the flow, per normalised email (AccountService::setForgotThrottle).
    forgotOptions.rateLimitPolicies = { QStringLiteral("forgot_ip") };
    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/forgot-password"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            return withFields(request, [&](JsonFields& fields) {
                const QString email = fields.requiredString(QStringLiteral("email"), kMaxEmail);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.forgotPassword(email, originOf(request)),
                              [] { return accepted(QStringLiteral("reset_sent")); });
            });
        },
        forgotOptions);

    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/reset-password"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            return withFields(request, [&](JsonFields& fields) {
                const QString token = fields.requiredString(QStringLiteral("token"), kMaxToken);
                const QString password = fields.requiredString(QStringLiteral("new_password"), kMaxPassword);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.resetPassword(token.toLatin1(), password, originOf(request)),
                              [] { return HttpResponse::noContent(); });
            });
        },
        anonymousSlow);

    router.add(
        HttpMethod::Post, base + QStringLiteral("/auth/change-password"),
        [&accounts](const HttpRequest& request, RequestContext& context) {
            return withFields(request, [&](JsonFields& fields) {
                const QString current = fields.requiredString(QStringLiteral("current_password"), kMaxPassword);
                const QString next = fields.requiredString(QStringLiteral("new_password"), kMaxPassword);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                const Principal& principal = *context.principal;
                return answer(
                    accounts.changePassword(principal.userId, principal.sessionId, current, next, originOf(request)),
                    [] { return HttpResponse::noContent(); });
            });
        },
        bearerSlow);

    router.add(
        HttpMethod::Get, base + QStringLiteral("/users/me"),
        [&accounts](const HttpRequest&, RequestContext& context) {
            Result<AccountProfile> profile = accounts.profile(context.principal->userId);
            return profile ? profileAnswer(*profile) : HttpResponse::error(profile.error());
        },
        RouteOptions { .auth = Auth::Bearer });

    router.add(
        HttpMethod::Patch, base + QStringLiteral("/users/me"),
        [&accounts](const HttpRequest& request, RequestContext& context) {
            return withFields(request, [&](JsonFields& fields) {
                const std::optional<QString> name
                    = fields.optionalString(QStringLiteral("display_name"), kMaxDisplayNameInput);
                if (fields.ok() && !name)
                    fields.addProblem(QStringLiteral("display_name"), QStringLiteral("is required"));
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                Result<AccountProfile> profile
                    = accounts.updateDisplayName(context.principal->userId, *name, originOf(request));
                return profile ? HttpResponse::json(200, profileJson(*profile)) : HttpResponse::error(profile.error());
            });
        },
        RouteOptions { .auth = Auth::Bearer, .jsonBody = true });

    router.add(
        HttpMethod::Delete, base + QStringLiteral("/users/me"),
        [&accounts](const HttpRequest& request, RequestContext& context) {
            return withFields(request, [&](JsonFields& fields) {
                const QString password = fields.requiredString(QStringLiteral("password"), kMaxPassword);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(accounts.deleteAccount(context.principal->userId, password, originOf(request)),
                              [] { return HttpResponse::noContent(); });
            });
        },
        bearerSlow);

    router.add(
        HttpMethod::Post, base + QStringLiteral("/users/me/email"),
        [&accounts](const HttpRequest& request, RequestContext& context) {
            return withFields(request, [&](JsonFields& fields) {
                const QString email = fields.requiredString(QStringLiteral("new_email"), kMaxEmail);
                const QString password = fields.requiredString(QStringLiteral("password"), kMaxPassword);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return answer(
                    accounts.requestEmailChange(context.principal->userId, email, password, originOf(request)),
                    [] { return accepted(QStringLiteral("verification_sent")); });
            });
        },
        bearerSlow);
}

} // namespace authshield::server
