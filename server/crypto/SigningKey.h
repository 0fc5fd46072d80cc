#pragma once

#include "server/crypto/JwsAlgorithm.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace authshield::server {

// A JWS signing (or, when loaded from a public JWK, verification-only) key. Immutable; copies share the
// underlying OpenSSL key, so it is cheap to copy and safe to use from several threads at once.
// Asymmetric keys: EdDSA (Ed25519), ES256 (P-256), RS256 (RSA >= 2048 bits). HS256: a shared secret >= 32 bytes.
class SigningKey
{
public:
    static constexpr int kMinHmacSecretBytes = 32;
    static constexpr int kRsaBits = 2048;

    static Result<SigningKey> generate(JwsAlgorithm alg);
    // PKCS#8 PrivateKeyInfo (DER or PEM; PEM also accepts the traditional RSA/EC forms). For HS256 the bytes
    // are the secret itself. The key type must match alg.
    static Result<SigningKey> fromPrivateDer(JwsAlgorithm alg, const QByteArray& der);
    static Result<SigningKey> fromPrivatePem(JwsAlgorithm alg, const QByteArray& pem);
    static Result<SigningKey> hmac(const QByteArray& secret);
    // Verification-only key from a public JWK (OKP/Ed25519, EC/P-256, RSA); "alg", when present, must match.
    static Result<SigningKey> fromPublicJwk(const QJsonObject& jwk);

    JwsAlgorithm algorithm() const;
    bool isSymmetric() const { return algorithm() == JwsAlgorithm::HS256; }
    bool hasPrivateKey() const;

    // PKCS#8 DER (HS256: the secret). Store it only sealed (SecretBox, associated data = kid).
    QByteArray privateKeyBytes() const;
    // RFC 7638 JWK thumbprint: base64url(SHA-256(canonical public JWK)); for HS256, of {"k","kty":"oct"}.
    QString kid() const;
    // {kty, crv, x[, y]} | {kty, n, e} plus kid, alg, use "sig". Empty for HS256: a shared secret is never published.
    QJsonObject publicJwk() const;

    // Raw JWS signature (ES256: R‖S, 64 bytes). Empty when this key cannot sign (public only).
    QByteArray sign(const QByteArray& signingInput) const;
    bool verify(const QByteArray& signingInput, const QByteArray& signature) const;

    struct Impl;

private:
    explicit SigningKey(std::shared_ptr<const Impl> impl);
    static Result<SigningKey> fromImpl(Result<std::shared_ptr<Impl>> impl);
    static Result<SigningKey> decodePrivate(JwsAlgorithm alg, const QByteArray& bytes, const char* inputType);
    std::shared_ptr<const Impl> m_impl;
};

} // namespace authshield::server
