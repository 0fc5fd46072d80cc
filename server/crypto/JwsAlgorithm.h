#pragma once

#include <QString>

#include <optional>

namespace authshield::server {

// JWS "alg" values we sign and verify with (RFC 7518, RFC 8037). "none" is deliberately absent.
enum class JwsAlgorithm { EdDSA, ES256, RS256, HS256 };

QString jwsAlgorithmName(JwsAlgorithm alg); // "EdDSA", "ES256", "RS256", "HS256"
std::optional<JwsAlgorithm> parseJwsAlgorithm(const QString& name); // exact, case-sensitive (RFC 7515)

} // namespace authshield::server
