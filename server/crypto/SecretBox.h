#pragma once

#include "shared/Result.h"

#include <QByteArray>

#include <memory>

namespace authshield::server {

// Authenticated encryption for secrets at rest (signing keys, SMTP password, TOTP secrets):
// XChaCha20-Poly1305 with a random 192-bit nonce. Sealed layout: version (1 byte) ‖ nonce (24) ‖ ciphertext+tag.
// Associated data (e.g. the kid or the row's purpose) binds a ciphertext to its place, so it cannot be moved.
// Copies share one key held in guarded memory; thread-safe.
class SecretBox
{
public:
    static constexpr int kKeySize = 32;
    static constexpr int kOverhead = 1 + 24 + 16;

    static Result<SecretBox> fromKey(const QByteArray& key); // exactly 32 bytes
    static QByteArray generateKey();

    QByteArray seal(const QByteArray& plaintext, const QByteArray& associatedData = {}) const;
    // Fails with the same Internal error on tampering, wrong key, wrong associated data or truncation.
    Result<QByteArray> open(const QByteArray& sealed, const QByteArray& associatedData = {}) const;

private:
    struct Key;
    explicit SecretBox(std::shared_ptr<Key> key);
    std::shared_ptr<Key> m_key;
};

} // namespace authshield::server
