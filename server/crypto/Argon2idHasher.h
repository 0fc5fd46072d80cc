#pragma once

#include "server/core/Config.h"
#include "server/crypto/PasswordHasher.h"

#include <atomic>

namespace authshield::server {

// Argon2id (libsodium crypto_pwhash_str, p = 1) with memory and iterations from PasswordConfig.
// Encoded hashes look like "$argon2id$v=19$m=19456,t=2,p=1$salt$hash".
class Argon2idHasher final : public PasswordHasher
{
public:
    explicit Argon2idHasher(const PasswordConfig& config);

    Result<QString> hash(const QByteArray& password) const override;
    PasswordCheck verify(const QString& storedHash, const QByteArray& password) const override;
    void dummyVerify(const QByteArray& password) const override;
    quint64 dummyVerifications() const override { return m_dummyVerifications.load(); }

    quint64 opsLimit() const { return m_opsLimit; }
    quint64 memLimitBytes() const { return m_memLimitBytes; }

private:
    quint64 m_opsLimit = 0;
    quint64 m_memLimitBytes = 0;
    QByteArray m_dummyHash; // NUL-terminated encoded hash with the current parameters
    mutable std::atomic<quint64> m_dummyVerifications { 0 };
};

} // namespace authshield::server
