#pragma once

#include "server/crypto/SigningKey.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QString>

namespace authshield::server {

// JWS compact serialisation (RFC 7515 §7.1): base64url(header) . base64url(claims) . base64url(signature).
class Jwt
{
public:
    // The header's "alg" and "kid" are always taken from the key (any the caller set are replaced); the caller
    // supplies the rest, e.g. {"typ":"at+jwt"} for access tokens (RFC 9068). Fails only for a verification-only key.
    static Result<QString> encode(const QJsonObject& header, const QJsonObject& claims, const SigningKey& key);
};

} // namespace authshield::server
