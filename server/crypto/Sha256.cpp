#include "server/crypto/Sha256.h"

#include <sodium.h>

namespace authshield::server {

QByteArray Sha256::hash(const QByteArray& data)
{
    QByteArray out(kSize, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                       reinterpret_cast<const unsigned char*>(data.constData()),
                       static_cast<unsigned long long>(data.size()));
    return out;
}

QByteArray HmacSha256::mac(const QByteArray& key, const QByteArray& data)
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.constData()),
                                static_cast<size_t>(key.size()));
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.constData()),
                                  static_cast<unsigned long long>(data.size()));
    QByteArray out(kSize, Qt::Uninitialized);
    crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
    sodium_memzero(&state, sizeof state);
    return out;
}

} // namespace authshield::server
