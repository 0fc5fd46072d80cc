#include "server/crypto/Argon2idHasher.h"

#include <sodium.h>

#include <algorithm>

namespace authshield::server {

namespace {

const char kArgon2idPrefix[] = "$argon2id$";

QByteArray hashWith(const QByteArray& password, quint64 opsLimit, quint64 memLimit)
{
    QByteArray out(crypto_pwhash_STRBYTES, '\0');
    if (crypto_pwhash_str_alg(out.data(), password.constData(), static_cast<unsigned long long>(password.size()),
                              opsLimit, static_cast<size_t>(memLimit), crypto_pwhash_ALG_ARGON2ID13)
        != 0) {
        return {};
    }
    out.truncate(static_cast<qsizetype>(qstrlen(out.constData())));
    return out;
}

} // namespace

Argon2idHasher::Argon2idHasher(const PasswordConfig& config)
    // Config validation reports bad values; here we only refuse to go below libsodium's floor.
    : m_opsLimit(std::max<quint64>(static_cast<quint64>(std::max(config.argon2Iterations, 0)),
                                   crypto_pwhash_argon2id_OPSLIMIT_MIN))
    , m_memLimitBytes(std::max<quint64>(static_cast<quint64>(std::max<qint64>(config.argon2MemoryKiB, 0)) * 1024u,
                                        crypto_pwhash_argon2id_MEMLIMIT_MIN))
{
    if (sodium_init() < 0) {
        return;
    }
    // The dummy hash's password is random and thrown away: nothing can ever match it.
    QByteArray secret(32, Qt::Uninitialized);
    randombytes_buf(secret.data(), static_cast<size_t>(secret.size()));
    m_dummyHash = hashWith(secret, m_opsLimit, m_memLimitBytes);
    sodium_memzero(secret.data(), static_cast<size_t>(secret.size()));
}

Result<QString> Argon2idHasher::hash(const QByteArray& password) const
{
    const QByteArray encoded = hashWith(password, m_opsLimit, m_memLimitBytes);
    if (encoded.isEmpty()) {
        return Error::make(ErrorCode::Internal, QStringLiteral("password hashing failed (out of memory?)"));
    }
    return QString::fromLatin1(encoded);
}

PasswordCheck Argon2idHasher::verify(const QString& storedHash, const QByteArray& password) const
{
    const QByteArray encoded = storedHash.toLatin1();
    if (!encoded.startsWith("$argon2") || encoded.contains('\0')
        || encoded.size() >= static_cast<qsizetype>(crypto_pwhash_STRBYTES)) {
        dummyVerify(password);
        return {};
    }
    PasswordCheck check;
    check.matches = crypto_pwhash_str_verify(encoded.constData(), password.constData(),
                                             static_cast<unsigned long long>(password.size()))
        == 0;
    if (check.matches) {
        // Argon2i hashes verify too, but are upgraded; libsodium compares only the cost parameters.
        check.needsRehash = !encoded.startsWith(kArgon2idPrefix)
            || crypto_pwhash_str_needs_rehash(encoded.constData(), m_opsLimit, static_cast<size_t>(m_memLimitBytes))
                != 0;
    }
    return check;
}

void Argon2idHasher::dummyVerify(const QByteArray& password) const
{
    m_dummyVerifications.fetch_add(1);
    if (!m_dummyHash.isEmpty()) {
        [[maybe_unused]] const int ignored = crypto_pwhash_str_verify(m_dummyHash.constData(), password.constData(),
                                                                      static_cast<unsigned long long>(password.size()));
        return;
    }
    // The dummy hash could not be made at start (memory); a fresh hash costs the same as a verify.
    (void)hashWith(password, m_opsLimit, m_memLimitBytes);
}

} // namespace authshield::server
