#include "server/tokens/AccessTokenVerifier.h"

#include "server/core/Clock.h"
#include "server/sessions/RevocationList.h"
#include "server/tokens/SigningKeyStore.h"
#include "server/tokens/TokenService.h"

#include <QJsonArray>

namespace authshield::server {

namespace {
Error invalid(const QString& reason)
{
    return Error::make(ErrorCode::InvalidToken, reason);
}
} // namespace

AccessTokenVerifier::AccessTokenVerifier(SigningKeyStore& keys, const RevocationList& revocations, const Clock& clock,
                                         const TokenIssuer& issuer, QString audience, int cacheCapacity)
    : m_keys(keys)
    , m_revocations(revocations)
    , m_clock(clock)
    , m_issuer(issuer)
    , m_audience(std::move(audience))
    , m_verifier([this](const QString& kid) { return m_keys.lookup(kid); })
    , m_cache(cacheCapacity)
{
}

Result<AccessTokenClaims> AccessTokenVerifier::verify(const QByteArray& token)
{
    const QDateTime now = m_clock.now();
    const qint64 nowMs = now.toMSecsSinceEpoch();
    std::optional<AccessTokenClaims> claims = m_cache.find(token);
    if (!claims) {
        JwtExpectations expectations;
        expectations.issuer = m_issuer.value();
        expectations.audience = m_audience;
        expectations.now = now;
        expectations.leeway = kLeeway;
        Result<VerifiedJwt> verified = m_verifier.verify(token, expectations);
        if (!verified)
            return verified.error();
        const QJsonObject& json = verified->claims;
        AccessTokenClaims parsed;
        parsed.userId = json.value(QStringLiteral("sub")).toString();
        parsed.sessionId = json.value(QStringLiteral("sid")).toString();
        parsed.tokenId = json.value(QStringLiteral("jti")).toString();
        parsed.scope = json.value(QStringLiteral("scope")).toString();
        for (const QJsonValue& role : json.value(QStringLiteral("roles")).toArray())
            parsed.roles.append(role.toString());
        parsed.expiresAtMs = static_cast<qint64>(json.value(QStringLiteral("exp")).toDouble()) * 1000;
        parsed.acceptUntilMs = parsed.expiresAtMs + std::chrono::milliseconds(kLeeway).count();
        // Our tokens always carry these; a token without them was not issued by us for a session.
        if (parsed.userId.isEmpty() || parsed.sessionId.isEmpty() || parsed.tokenId.isEmpty())
            return invalid(JwtRejection::Malformed);
        m_cache.insert(token, parsed);
        claims = std::move(parsed);
    }
    if (nowMs >= claims->acceptUntilMs)
        return invalid(JwtRejection::Expired);
    if (m_revocations.isRevoked(claims->sessionId, claims->tokenId))
        return invalid(QStringLiteral("revoked"));
    return std::move(*claims);
}

} // namespace authshield::server
