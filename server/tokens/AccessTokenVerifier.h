#pragma once

#include "server/tokens/JwtVerifier.h"
#include "server/tokens/VerifiedTokenCache.h"
#include "shared/Result.h"

#include <QByteArray>

#include <chrono>

namespace authshield::server {

class Clock;
class RevocationList;
class SigningKeyStore;
class TokenIssuer;

// The per-request access-token check, local only: a cache hit (or a full JWT verification with the algorithm
// pinned by the key, iss/aud/typ/exp/nbf checked), then expiry again and the revocation set. Every failure is
// Error{InvalidToken}; its message is a reason for logs, not for clients. Thread-safe.
class AccessTokenVerifier
{
public:
    static constexpr std::chrono::seconds kLeeway{5}; // clock skew between instances on one network

    AccessTokenVerifier(SigningKeyStore& keys, const RevocationList& revocations, const Clock& clock,
                        const TokenIssuer& issuer, QString audience, int cacheCapacity = 10000);

    Result<AccessTokenClaims> verify(const QByteArray& token);
    const VerifiedTokenCache& cache() const { return m_cache; }

private:
    SigningKeyStore& m_keys;
    const RevocationList& m_revocations;
    const Clock& m_clock;
    const TokenIssuer& m_issuer;
    const QString m_audience;
    JwtVerifier m_verifier;
    VerifiedTokenCache m_cache;
};

} // namespace authshield::server
