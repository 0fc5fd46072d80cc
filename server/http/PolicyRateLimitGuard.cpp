#include "server/http/PolicyRateLimitGuard.h"

#include "server/core/Log.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
qint64 ceilSeconds(std::chrono::milliseconds ms)
{
    return (ms.count() + 999) / 1000;
}
} // namespace

PolicyRateLimitGuard::PolicyRateLimitGuard(RateLimitService& service)
    : m_service(service)
{
}

QList<QPair<QByteArray, QByteArray>> PolicyRateLimitGuard::headers(const RateLimitOutcome& outcome)
{
    const RateLimitDecision& d = outcome.decision;
    return {{QByteArrayLiteral("RateLimit-Limit"), QByteArray::number(d.limit)},
            {QByteArrayLiteral("RateLimit-Remaining"), QByteArray::number(d.remaining)},
            {QByteArrayLiteral("RateLimit-Reset"), QByteArray::number(ceilSeconds(d.resetAfter))}};
}

HttpResponse PolicyRateLimitGuard::refusal(const Result<RateLimitOutcome>& outcome)
{
    if (!outcome) {
        HttpResponse response = HttpResponse::error(
            outcome.error().code == ErrorCode::ServiceUnavailable
                ? outcome.error()
                : Error::make(ErrorCode::Internal, u"internal error"_s));
        if (response.status == 503)
            response.setHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5"));
        return response;
    }
    const qint64 retryAfter = std::max<qint64>(1, ceilSeconds(outcome->decision.resetAfter));
    HttpResponse response = HttpResponse::error(
        ErrorCode::RateLimited, u"too many requests; try again in %1 s"_s.arg(retryAfter));
    response.setHeader(QByteArrayLiteral("Retry-After"), QByteArray::number(retryAfter));
    for (const auto& [name, value] : headers(*outcome))
        response.setHeader(name, value);
    return response;
}

std::optional<HttpResponse> PolicyRateLimitGuard::check(const HttpRequest& request, const QStringList& policies,
                                                        RequestContext& context)
{
    const QString subject = request.clientAddress.toString();
    std::optional<RateLimitOutcome> tightest;
    for (const QString& policy : policies) {
        if (!policy.endsWith("_ip"_L1))
            continue;
        Result<RateLimitOutcome> outcome = m_service.hit(policy, subject);
        if (!outcome) {
            if (outcome.error().code != ErrorCode::ServiceUnavailable)
                Log::error(u"ratelimit"_s, u"rate-limit check failed"_s,
                           {{u"policy"_s, policy}, {u"error"_s, outcome.error().message}});
            return refusal(outcome);
        }
        if (!outcome->decision.allowed)
            return refusal(outcome);
        if (!tightest || outcome->decision.remaining < tightest->decision.remaining)
            tightest = *outcome;
    }
    if (tightest)
        context.responseHeaders.append(headers(*tightest));
    return std::nullopt;
}

} // namespace authshield::server
