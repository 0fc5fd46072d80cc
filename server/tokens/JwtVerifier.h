#pragma once

#include "server/crypto/SigningKey.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLatin1String>
#include <QString>

#include <chrono>
#include <functional>
#include <optional>

namespace authshield::server {

// Why a token was refused: Error::message of a rejected verify() is exactly one of these. They are for the
// audit log and metrics; the HTTP answer stays a generic invalid_token.
namespace JwtRejection {
inline constexpr QLatin1String Malformed { "malformed" }; // structure, encoding, JSON, size, crit, claim types
inline constexpr QLatin1String UnknownKid { "unknown_kid" }; // kid missing or not in the key set
inline constexpr QLatin1String AlgNone { "alg_none" };
inline constexpr QLatin1String AlgMismatch { "alg_mismatch" }; // header alg differs from the key's own algorithm
inline constexpr QLatin1String BadSignature { "bad_signature" };
inline constexpr QLatin1String Expired { "expired" }; // includes a missing exp
inline constexpr QLatin1String NotYetValid { "not_yet_valid" }; // nbf or iat in the future
inline constexpr QLatin1String WrongIssuer { "wrong_issuer" };
inline constexpr QLatin1String WrongAudience { "wrong_audience" };
inline constexpr QLatin1String WrongType { "wrong_type" };
} // namespace JwtRejection

struct JwtExpectations
{
    QString issuer; // iss must equal it
    QString audience; // aud must equal it or be an array containing it
    QDateTime now; // injected (Clock::now())
    std::chrono::seconds leeway { 30 }; // clock skew allowed on exp/nbf/iat; clamped to [0, kMaxLeeway]
    QString type = QStringLiteral("at+jwt"); // header typ ("application/" prefix and case ignored); empty = no check
};

struct VerifiedJwt
{
    QJsonObject header;
    QJsonObject claims;
};

// Verifies compact JWS access tokens defensively. The algorithm is pinned to the key found by kid: the header's
// alg must name the key's own algorithm, so "none" and HS256-with-a-public-key (alg confusion) never verify.
// Claims are looked at only after the signature holds. Thread-safe if the lookup is.
class JwtVerifier
{
public:
    static constexpr qsizetype kMaxTokenBytes = 8 * 1024;
    static constexpr std::chrono::seconds kMaxLeeway { 300 };

    // Returns the key with this kid (any state that may still verify: active or recently retired), or nullopt.
    using KeyLookup = std::function<std::optional<SigningKey>(const QString& kid)>;

    explicit JwtVerifier(KeyLookup keys);

    // On failure: Error{ErrorCode::InvalidToken, <one of JwtRejection>}.
    Result<VerifiedJwt> verify(QByteArrayView token, const JwtExpectations& expectations) const;
    Result<VerifiedJwt> verify(const QByteArray& token, const JwtExpectations& expectations) const
    {
        return verify(QByteArrayView(token), expectations);
    }
    Result<VerifiedJwt> verify(const QString& token, const JwtExpectations& expectations) const;

private:
    KeyLookup m_keys;
};

} // namespace authshield::server
