#include "server/http/MfaRoutes.h"

#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/mfa/MfaLogin.h"
#include "server/mfa/MfaService.h"

#include <QJsonArray>

namespace authshield::server {

namespace {
constexpr int kMaxPassword = 4096;
constexpr int kMaxCode = 16;
constexpr int kMaxRecoveryCode = 64;
constexpr int kMaxMfaToken = 128;

const QString kPassword = QStringLiteral("password");
const QString kCode = QStringLiteral("code");
const QString kRecoveryCode = QStringLiteral("recovery_code");
const QString kMfaToken = QStringLiteral("mfa_token");

RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin{request.clientAddress.toString(), request.userAgent(), request.requestId};
}

HttpResponse noStore(HttpResponse response)
{
    response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

// Parses the body, lets read() take the fields, answers 400/422 for a bad body, else what act() answers.
template<typename Read, typename Act> HttpResponse withBody(const HttpRequest& request, Read&& read, Act&& act)
{
    Result<QJsonObject> body = parseJsonObject(request.body);
    if (!body)
        return HttpResponse::error(body.error());
    JsonFields fields(*body);
    read(fields);
    if (!fields.ok())
        return HttpResponse::error(fields.error());
    return act();
}

// code | recovery_code: exactly one.
SecondFactor readFactor(JsonFields& fields)
{
    SecondFactor factor;
    factor.code = fields.optionalString(kCode, kMaxCode).value_or(QString());
    factor.recoveryCode = fields.optionalString(kRecoveryCode, kMaxRecoveryCode).value_or(QString());
    if (factor.code.isEmpty() == factor.recoveryCode.isEmpty())
        fields.addProblem(kCode, QStringLiteral("give either code or recovery_code"));
    return factor;
}

QJsonObject enrolmentJson(const TotpEnrolment& enrolment)
{
    return QJsonObject{{QStringLiteral("secret"), enrolment.secret},
                       {QStringLiteral("otpauth_uri"), enrolment.otpauthUri},
                       {QStringLiteral("qr_svg"), enrolment.qrSvg}};
}

QJsonObject codesJson(const QStringList& codes)
{
    return QJsonObject{{QStringLiteral("recovery_codes"), QJsonArray::fromStringList(codes)}};
}

QByteArray passwordBytes(const QString& password)
{
    return password.toUtf8();
}
} // namespace

void registerMfaRoutes(Router& router, MfaService& mfa, MfaLogin& login)
{
    const QString me = QStringLiteral("/api/v1/users/me/mfa");
    const QStringList mfaIp{QStringLiteral("mfa_ip")};

    router.add(
        HttpMethod::Get, me,
        [&mfa](const HttpRequest&, RequestContext& context) {
            Result<MfaStatus> status = mfa.status(context.principal->userId);
            if (!status)
                return HttpResponse::error(status.error());
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("totp_enabled"), status->totpEnabled},
                                                       {QStringLiteral("recovery_codes_remaining"),
                                                        status->recoveryCodesRemaining}});
        },
        RouteOptions{.auth = Auth::Bearer});

    router.add(
        HttpMethod::Post, me + QStringLiteral("/totp"),
        [&mfa](const HttpRequest& request, RequestContext& context) {
            QString password;
            return withBody(
                request, [&](JsonFields& fields) { password = fields.requiredString(kPassword, kMaxPassword); },
                [&] {
                    Result<TotpEnrolment> enrolment = mfa.beginEnrolment(context.principal->userId,
                                                                         passwordBytes(password), originOf(request));
                    return enrolment ? noStore(HttpResponse::json(200, enrolmentJson(*enrolment)))
                                     : HttpResponse::error(enrolment.error());
                });
        },
        RouteOptions{.auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true});

    router.add(
        HttpMethod::Post, me + QStringLiteral("/totp/confirm"),
        [&mfa](const HttpRequest& request, RequestContext& context) {
            QString code;
            return withBody(
                request, [&](JsonFields& fields) { code = fields.requiredString(kCode, kMaxCode); },
                [&] {
                    Result<QStringList> codes = mfa.confirmEnrolment(context.principal->userId, code, originOf(request));
                    return codes ? noStore(HttpResponse::json(200, codesJson(*codes)))
                                 : HttpResponse::error(codes.error());
                });
        },
        RouteOptions{.auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true,
                     .rateLimitPolicies = mfaIp});

    router.add(
        HttpMethod::Delete, me + QStringLiteral("/totp"),
        [&mfa](const HttpRequest& request, RequestContext& context) {
            QString password;
            SecondFactor factor;
            return withBody(
                request,
                [&](JsonFields& fields) {
                    password = fields.requiredString(kPassword, kMaxPassword);
                    factor = readFactor(fields);
                },
                [&] {
                    Result<void> done
                        = mfa.disable(context.principal->userId, passwordBytes(password), factor, originOf(request));
                    return done ? HttpResponse::noContent() : HttpResponse::error(done.error());
                });
        },
        RouteOptions{.auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true,
                     .rateLimitPolicies = mfaIp});

    router.add(
        HttpMethod::Post, me + QStringLiteral("/recovery-codes"),
        [&mfa](const HttpRequest& request, RequestContext& context) {
            QString password;
            QString code;
            return withBody(
                request,
                [&](JsonFields& fields) {
                    password = fields.requiredString(kPassword, kMaxPassword);
                    code = fields.requiredString(kCode, kMaxCode);
                },
                [&] {
                    Result<QStringList> codes = mfa.regenerateRecoveryCodes(
                        context.principal->userId, passwordBytes(password), code, originOf(request));
                    return codes ? noStore(HttpResponse::json(200, codesJson(*codes)))
                                 : HttpResponse::error(codes.error());
                });
        },
        RouteOptions{.auth = Auth::Bearer, .jsonBody = true, .slow = true, .sensitiveBody = true,
                     .rateLimitPolicies = mfaIp});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/mfa/verify"),
        [&login](const HttpRequest& request, RequestContext&) {
            QString token;
            SecondFactor factor;
            return withBody(
                request,
                [&](JsonFields& fields) {
                    token = fields.requiredString(kMfaToken, kMaxMfaToken);
                    factor = readFactor(fields);
                },
                [&] {
                    Result<TokenPair> pair = login.verify(token, factor, originOf(request));
                    return pair ? noStore(HttpResponse::json(200, tokenPairJson(*pair)))
                                : HttpResponse::error(pair.error());
                });
        },
        RouteOptions{.jsonBody = true, .slow = true, .sensitiveBody = true, .rateLimitPolicies = mfaIp});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/mfa/enrol"),
        [&login](const HttpRequest& request, RequestContext&) {
            QString token;
            return withBody(
                request, [&](JsonFields& fields) { token = fields.requiredString(kMfaToken, kMaxMfaToken); },
                [&] {
                    Result<TotpEnrolment> enrolment = login.beginEnrolment(token, originOf(request));
                    return enrolment ? noStore(HttpResponse::json(200, enrolmentJson(*enrolment)))
                                     : HttpResponse::error(enrolment.error());
                });
        },
        RouteOptions{.jsonBody = true, .slow = true, .sensitiveBody = true, .rateLimitPolicies = mfaIp});

    router.add(
        HttpMethod::Post, QStringLiteral("/api/v1/auth/mfa/enrol/confirm"),
        [&login](const HttpRequest& request, RequestContext&) {
            QString token;
            QString code;
            return withBody(
                request,
                [&](JsonFields& fields) {
                    token = fields.requiredString(kMfaToken, kMaxMfaToken);
                    code = fields.requiredString(kCode, kMaxCode);
                },
                [&] {
                    Result<EnrolledLogin> done = login.confirmEnrolment(token, code, originOf(request));
                    if (!done)
                        return HttpResponse::error(done.error());
                    QJsonObject answer = tokenPairJson(done->tokens);
                    answer.insert(QStringLiteral("recovery_codes"), QJsonArray::fromStringList(done->recoveryCodes));
                    return noStore(HttpResponse::json(200, answer));
                });
        },
        RouteOptions{.jsonBody = true, .slow = true, .sensitiveBody = true, .rateLimitPolicies = mfaIp});
}

} // namespace authshield::server
