#include "server/mfa/RecoveryCodes.h"

#include "server/crypto/Random.h"
#include "server/crypto/Sha256.h"
#include "server/mfa/Totp.h"

namespace authshield::server {

RecoveryCodes::RecoveryCodes(QByteArray hashKey)
    : m_key(std::move(hashKey))
{
}

QStringList RecoveryCodes::generate(Random& random) const
{
    QStringList codes;
    for (int i = 0; i < kCount; ++i) {
        // 8 bytes → 13 base32 characters; the first 12 carry 60 uniformly random bits.
        const QString text = Totp::base32Encode(random.bytes(8)).left(12).toLower();
        codes.append(text.left(4) + QLatin1Char('-') + text.mid(4, 4) + QLatin1Char('-') + text.mid(8, 4));
    }
    return codes;
}

QString RecoveryCodes::normalise(const QString& code)
{
    QString out;
    for (const QChar c : code) {
        if (c == QLatin1Char('-') || c.isSpace())
            continue;
        out.append(c.toLower());
    }
    return out;
}

QByteArray RecoveryCodes::hash(const QString& code) const
{
    return HmacSha256::mac(m_key, normalise(code).toUtf8());
}

} // namespace authshield::server
