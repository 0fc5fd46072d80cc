#include "server/crypto/SecretBox.h"

#include <sodium.h>

namespace authshield::server {

namespace {

constexpr char kVersion = 0x01;
constexpr int kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr int kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kNonceSize == 24 && kTagSize == 16 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

// The version byte is authenticated too, so a future format cannot be confused with this one.
QByteArray fullAssociatedData(const QByteArray& associatedData)
{
    QByteArray ad;
    ad.reserve(1 + associatedData.size());
    ad.append(kVersion);
    ad.append(associatedData);
    return ad;
}

} // namespace

struct SecretBox::Key
{
    unsigned char* bytes = nullptr; // sodium_malloc: guard pages, locked, wiped on free

    Key() { bytes = static_cast<unsigned char*>(sodium_malloc(kKeySize)); }
    ~Key() { sodium_free(bytes); }
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;
};

SecretBox::SecretBox(std::shared_ptr<Key> key)
    : m_key(std::move(key))
{
}

Result<SecretBox> SecretBox::fromKey(const QByteArray& key)
{
    if (key.size() != kKeySize) {
        return Error::make(ErrorCode::Internal, QStringLiteral("secret box key must be exactly 32 bytes"));
    }
    if (sodium_init() < 0) {
        return Error::make(ErrorCode::Internal, QStringLiteral("libsodium could not be initialised"));
    }
    auto stored = std::make_shared<Key>();
    if (stored->bytes == nullptr) {
        return Error::make(ErrorCode::Internal, QStringLiteral("no memory for the secret box key"));
    }
    memcpy(stored->bytes, key.constData(), kKeySize);
    return SecretBox(std::move(stored));
}

QByteArray SecretBox::generateKey()
{
    QByteArray key(kKeySize, Qt::Uninitialized);
    crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(key.data()));
    return key;
}

QByteArray SecretBox::seal(const QByteArray& plaintext, const QByteArray& associatedData) const
{
    const QByteArray ad = fullAssociatedData(associatedData);
    QByteArray out(kOverhead + plaintext.size(), Qt::Uninitialized);
    auto* data = reinterpret_cast<unsigned char*>(out.data());
    data[0] = static_cast<unsigned char>(kVersion);
    unsigned char* nonce = data + 1;
    randombytes_buf(nonce, kNonceSize);
    unsigned long long cipherLength = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        nonce + kNonceSize, &cipherLength, reinterpret_cast<const unsigned char*>(plaintext.constData()),
        static_cast<unsigned long long>(plaintext.size()), reinterpret_cast<const unsigned char*>(ad.constData()),
        static_cast<unsigned long long>(ad.size()), nullptr, nonce, m_key->bytes);
    return out;
}

Result<QByteArray> SecretBox::open(const QByteArray& sealed, const QByteArray& associatedData) const
{
    const auto failure = [] {
        return Error::make(ErrorCode::Internal,
                           QStringLiteral("sealed secret is corrupt or was sealed with another "
                                          "key or context"));
    };
    if (sealed.size() < kOverhead || sealed.at(0) != kVersion) {
        return failure();
    }
    const QByteArray ad = fullAssociatedData(associatedData);
    const auto* data = reinterpret_cast<const unsigned char*>(sealed.constData());
    const unsigned char* nonce = data + 1;
    const unsigned char* cipher = nonce + kNonceSize;
    const auto cipherLength = static_cast<unsigned long long>(sealed.size() - 1 - kNonceSize);
    QByteArray plain(static_cast<qsizetype>(cipherLength) - kTagSize, Qt::Uninitialized);
    unsigned long long plainLength = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plainLength,
                                                   nullptr, cipher, cipherLength,
                                                   reinterpret_cast<const unsigned char*>(ad.constData()),
                                                   static_cast<unsigned long long>(ad.size()), nonce, m_key->bytes)
        != 0) {
        return failure();
    }
    plain.truncate(static_cast<qsizetype>(plainLength));
    return plain;
}

} // namespace authshield::server
