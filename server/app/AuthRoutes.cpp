#include "server/app/AuthRoutes.h"

#include "server/accounts/EmailAddress.h"
#include "server/accounts/LoginService.h"
#include "server/audit/AuditEvent.h"
#include "server/crypto/JwsAlgorithm.h"
#include "server/http/JsonBody.h"
#include "server/http/PolicyRateLimitGuard.h"
#include "server/http/Router.h"
#include "server/sessions/SessionService.h"
#include "server/tokens/SigningKeyStore.h"
#include "server/tokens/TokenService.h"

#include <QJsonArray>

#include <limits>

namespace authshield::server {

namespace {
// The answer of login and refresh: the pair, never cached (RFC 6749 5.1), or the error envelope.
HttpResponse tokenAnswer(const Result<TokenPair>& pair)
{
    if (!pair)
        return HttpResponse::error(pair.error());
    HttpResponse response = HttpResponse::json(200, tokenPairJson(*pair));
    response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

constexpr int kMaxRefreshTokenLength = 128;

RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin { request.clientAddress.toString(), request.userAgent(), request.requestId };
}

QString isoUtc(const QDateTime& time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

int remainingOf(const RequestContext& context)
{
    for (const auto& [name, value] : context.responseHeaders) {
        if (name == "RateLimit-Remaining")
            return value.toInt();
    }
    return std::numeric_limits<int>::max();
}

TokenHolder holderOf(const Principal& principal)
{
    return TokenHolder { principal.userId, principal.sessionId, principal.tokenId, principal.tokenExpiresAt };
}
} // namespace

void registerAuthRoutes(Router& router, AuthRouteServices services)
{
    LoginService& login = services.login;
    TokenService& tokens = services.tokens;
    SessionService& sessions = services.sessions;
    SigningKeyStore& keys = services.keys;
    const TokenIssuer& issuer = services.issuer;
    const int maxPasswordBytes = services.passwords.maxBytes;
    RateLimitService* rateLimits = services.rateLimits;

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/login"),
        [&login, maxPasswordBytes, rateLimits](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = parseJsonObject(request.body);
            if (!body)
                return HttpResponse::error(body.error());
            JsonFields fields(*body);
            const QString email = fields.requiredString(QStringLiteral("email"), 1024);
            // The password's length is not validated here: an over-long one must be refused exactly like a
            // wrong one (LoginService caps it before hashing), so only its presence and type are checked.
            const QJsonValue password = body->value(QStringLiteral("password"));
            if (password.isUndefined() || password.isNull())
                fields.addProblem(QStringLiteral("password"), QStringLiteral("is required"));
            else if (!password.isString())
                fields.addProblem(QStringLiteral("password"), QStringLiteral("must be a string"));
            if (!fields.ok())
                return HttpResponse::error(fields.error());
            if (rateLimits) {
                // Keyed by the submitted address whether or not an account has it, so the answer tells nothing.
                const Result<QString> normalised = EmailAddress::normalise(email);
                const QString account = normalised ? *normalised : email.trimmed().toLower();
                Result<RateLimitOutcome> limited
                    = rateLimits->hit(QStringLiteral("login_account"), RateLimitService::accountSubject(account));
                if (!limited || !limited->decision.allowed)
                    return PolicyRateLimitGuard::refusal(limited);
                // The IP policy's headers stay unless this one is closer to its limit.
                if (limited->decision.remaining < remainingOf(context)) {
                    context.responseHeaders.clear();
                    context.responseHeaders.append(PolicyRateLimitGuard::headers(*limited));
                }
            }
            QByteArray bytes = password.toString().toUtf8();
            if (bytes.size() > maxPasswordBytes)
                bytes.truncate(maxPasswordBytes + 1); // still over the limit, but never hashed in full
            Result<LoginOutcome> outcome = login.signIn(email, bytes, originOf(request));
            bytes.fill('\0');
            if (outcome && outcome->challenge) {
                const MfaChallenge& challenge = *outcome->challenge;
                HttpResponse response = HttpResponse::json(
                    200, QJsonObject{{challenge.enrolmentRequired ? QStringLiteral("mfa_enrolment_required")
                                                                  : QStringLiteral("mfa_required"),
                                      true},
                                     {QStringLiteral("mfa_token"), challenge.token},
                                     {QStringLiteral("expires_in"), challenge.expiresIn}});
                response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
                return response;
            }
            return tokenAnswer(outcome ? Result<TokenPair>(*outcome->tokens) : Result<TokenPair>(outcome.error()));
        },
        RouteOptions{.jsonBody = true,
                     .slow = true,
                     .sensitiveBody = true,
                     .rateLimitPolicies = {QStringLiteral("login_ip")}});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/refresh"),
        [&tokens](const HttpRequest& request, RequestContext&) {
            Result<QJsonObject> body = parseJsonObject(request.body);
            if (!body)
                return HttpResponse::error(body.error());
            JsonFields fields(*body);
            const QString refreshToken = fields.requiredString(QStringLiteral("refresh_token"), kMaxRefreshTokenLength);
            if (!fields.ok())
                return HttpResponse::error(fields.error());
            Result<TokenPair> pair = tokens.refresh(refreshToken, originOf(request));
            return tokenAnswer(pair);
        },
        RouteOptions{.jsonBody = true,
                     .slow = true,
                     .sensitiveBody = true,
                     .rateLimitPolicies = {QStringLiteral("refresh_ip")}});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/logout"),
        [&tokens](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = parseJsonObject(request.body);
            if (!body)
                return HttpResponse::error(body.error());
            JsonFields fields(*body);
            const std::optional<QString> refreshToken
                = fields.optionalString(QStringLiteral("refresh_token"), kMaxRefreshTokenLength);
            if (!fields.ok())
                return HttpResponse::error(fields.error());
            Result<void> done = tokens.logout(holderOf(*context.principal), refreshToken, originOf(request));
            return done ? HttpResponse::noContent() : HttpResponse::error(done.error());
        },
        RouteOptions { .auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true });

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/logout-all"),
        [&tokens](const HttpRequest& request, RequestContext& context) {
            const Principal& principal = *context.principal;
            Result<int> revoked
                = tokens.revokeAllSessions(principal.userId, QStringLiteral("logout_all"), originOf(request));
            if (!revoked)
                return HttpResponse::error(revoked.error());
            (void)tokens.logout(holderOf(principal), std::nullopt, originOf(request)); // blocklists this jti too
            return HttpResponse::noContent();
        },
        RouteOptions { .auth = Auth::Bearer, .jsonBody = true, .slow = true });

    router.add(
        HttpMethod::Get, QStringLiteral("/api/v1/sessions"),
        [&sessions](const HttpRequest&, RequestContext& context) {
            const Principal& principal = *context.principal;
            Result<QList<Session>> list = sessions.listActive(principal.userId);
            if (!list)
                return HttpResponse::error(list.error());
            QJsonArray items;
            for (const Session& session : *list) {
                items.append(QJsonObject { { QStringLiteral("id"), session.id },
                                           { QStringLiteral("ip"), session.ip },
                                           { QStringLiteral("user_agent"), session.userAgent },
                                           { QStringLiteral("device"), session.device },
                                           { QStringLiteral("created_at"), isoUtc(session.createdAt) },
                                           { QStringLiteral("last_seen_at"), isoUtc(session.lastSeenAt) },
                                           { QStringLiteral("expires_at"), isoUtc(session.expiresAt) },
                                           { QStringLiteral("is_current"), session.id == principal.sessionId } });
            }
            return HttpResponse::json(200,
                                      QJsonObject { { QStringLiteral("items"), items },
                                                    { QStringLiteral("next_cursor"), QJsonValue::Null } });
        },
        RouteOptions { .auth = Auth::Bearer });

    router.add(
        HttpMethod::Delete, QStringLiteral("/api/v1/sessions/{id}"),
        [&sessions](const HttpRequest& request, RequestContext& context) {
            Result<void> revoked = sessions.revoke(context.principal->userId, request.pathParam(QStringLiteral("id")),
                                                   QStringLiteral("revoked_by_user"), originOf(request));
            return revoked ? HttpResponse::noContent() : HttpResponse::error(revoked.error());
        },
        RouteOptions { .auth = Auth::Bearer, .slow = true });

    router.add(HttpMethod::Get, QStringLiteral("/.well-known/jwks.json"), [&keys](const HttpRequest&, RequestContext&) {
        HttpResponse response = HttpResponse::json(200, keys.jwks());
        response.contentType = QByteArrayLiteral("application/jwk-set+json");
        response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=300"));
        return response;
    });

    router.add(
        HttpMethod::Get, QStringLiteral("/.well-known/openid-configuration"),
        [&keys, &issuer](const HttpRequest&, RequestContext&) {
            const QString base = issuer.value();
            QJsonArray algorithms;
            for (const SigningKeyInfo& info : keys.keys()) {
                if (info.current)
                    algorithms.append(info.algorithm);
            }
            HttpResponse response = HttpResponse::json(
                200,
                QJsonObject {
                    { QStringLiteral("issuer"), base },
                    { QStringLiteral("jwks_uri"), base + QStringLiteral("/.well-known/jwks.json") },
                    { QStringLiteral("token_endpoint"), base + QStringLiteral("/api/v1/auth/login") },
                    { QStringLiteral("authshield_refresh_endpoint"), base + QStringLiteral("/api/v1/auth/refresh") },
                    { QStringLiteral("grant_types_supported"),
                      QJsonArray { QStringLiteral("password"), QStringLiteral("refresh_token") } },
                    { QStringLiteral("response_types_supported"), QJsonArray { QStringLiteral("token") } },
                    { QStringLiteral("subject_types_supported"), QJsonArray { QStringLiteral("public") } },
                    { QStringLiteral("scopes_supported"),
                      QJsonArray { QStringLiteral("openid"), QStringLiteral("profile") } },
                    { QStringLiteral("token_endpoint_auth_methods_supported"), QJsonArray { QStringLiteral("none") } },
                    { QStringLiteral("id_token_signing_alg_values_supported"), algorithms },
                    { QStringLiteral("access_token_signing_alg_values_supported"), algorithms } });
            response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=300"));
            return response;
        });
}

} // namespace authshield::server
