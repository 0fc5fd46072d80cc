#pragma once

#include "server/http/RequestPipeline.h"
#include "server/ratelimit/RateLimitService.h"

namespace authshield::server {

// The pipeline's rate-limit guard: counts the request against each per-IP policy a route declares (policies
// named *_ip, keyed by the client address after trusted-proxy resolution) and answers 429 with Retry-After and
// the IETF draft RateLimit-* headers when one is exhausted; allowed answers carry the headers of the policy
// closest to its limit. Per-account policies are applied by the flows themselves (they need the body).
// A per-IP answer depends only on the address, never on an account.
class PolicyRateLimitGuard final : public RateLimitGuard
{
public:
    explicit PolicyRateLimitGuard(RateLimitService& service);

    std::optional<HttpResponse> check(const HttpRequest& request, const QStringList& policies,
                                      RequestContext& context) override;

    // For flows applying per-account policies: the 429 (or 503 when limiting is unavailable) to answer.
    static HttpResponse refusal(const Result<RateLimitOutcome>& outcome);
    static QList<QPair<QByteArray, QByteArray>> headers(const RateLimitOutcome& outcome);

private:
    RateLimitService& m_service;
};

} // namespace authshield::server
