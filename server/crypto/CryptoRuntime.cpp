#include "server/crypto/CryptoRuntime.h"

#include "server/crypto/SecretBox.h"
#include "server/crypto/SigningKey.h"

#include <openssl/crypto.h>
#include <sodium.h>

#include <mutex>

namespace authshield::server {

namespace {

// Independent known answer: Argon2id, m = 4096 KiB, t = 3, p = 1, password "secret", produced by another
// Argon2 implementation; it proves libsodium computes the standard function, not just a self-consistent one.
const char kArgon2KnownHash[]
    = "$argon2id$v=19$m=4096,t=3,p=1$RrtzvESo4bkSXrWxbc530g$Lyyvcbaa3UNVymz+LMbLjN2hClM6NSRQiMJqGg4vtNY";

Error selfTestFailure(const QString& what)
{
    return Error::make(ErrorCode::Internal, QStringLiteral("crypto self-test failed: %1").arg(what));
}

Result<void> selfTest()
{
    const QByteArray message = QByteArrayLiteral("authshield self-test");
    for (const auto alg : { JwsAlgorithm::EdDSA, JwsAlgorithm::ES256, JwsAlgorithm::RS256, JwsAlgorithm::HS256 }) {
        const auto key = SigningKey::generate(alg);
        if (!key) {
            return selfTestFailure(key.error().message);
        }
        const QByteArray signature = key->sign(message);
        QByteArray tampered = message;
        tampered[0] = 'A';
        if (signature.isEmpty() || !key->verify(message, signature) || key->verify(tampered, signature)) {
            return selfTestFailure(QStringLiteral("%1 sign/verify").arg(jwsAlgorithmName(alg)));
        }
    }

    const auto box = SecretBox::fromKey(SecretBox::generateKey());
    if (!box) {
        return selfTestFailure(box.error().message);
    }
    QByteArray sealed = box->seal(message, QByteArrayLiteral("ad"));
    const auto opened = box->open(sealed, QByteArrayLiteral("ad"));
    sealed[sealed.size() - 1] = static_cast<char>(sealed.at(sealed.size() - 1) ^ 0x01);
    if (!opened || *opened != message || box->open(sealed, QByteArrayLiteral("ad"))) {
        return selfTestFailure(QStringLiteral("secret box round trip"));
    }

    const char password[] = "secret";
    if (crypto_pwhash_str_verify(kArgon2KnownHash, password, sizeof password - 1) != 0
        || crypto_pwhash_str_verify(kArgon2KnownHash, "Secret", 6) == 0) {
        return selfTestFailure(QStringLiteral("Argon2id known answer"));
    }
    return success();
}

} // namespace

Result<void> CryptoRuntime::initialise()
{
    static std::once_flag once;
    static Result<void> result;
    std::call_once(once, [] {
        if (sodium_init() < 0) {
            result = Error::make(ErrorCode::Internal, QStringLiteral("libsodium could not be initialised"));
            return;
        }
        result = selfTest();
    });
    return result;
}

void CryptoRuntime::releaseThreadState()
{
    OPENSSL_thread_stop();
}

} // namespace authshield::server
