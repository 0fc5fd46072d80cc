#include "server/mfa/Totp.h"

#include "server/crypto/ConstantTime.h"

#include <QUrl>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace authshield::server {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

qint64 powerOfTen(int digits)
{
    qint64 value = 1;
    for (int i = 0; i < digits; ++i)
        value *= 10;
    return value;
}

QString percentEncoded(const QString& text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}
} // namespace

qint64 Totp::stepAt(qint64 unixSeconds, int periodSeconds)
{
    // Floor division: times before 1970 are not expected, but must not round toward zero into a wrong step.
    return unixSeconds >= 0 ? unixSeconds / periodSeconds : -((-unixSeconds + periodSeconds - 1) / periodSeconds);
}

QString Totp::hotp(const QByteArray& secret, quint64 counter, int digits)
{
    digits = qBound(6, digits, 9);
    std::array<unsigned char, 8> message {};
    for (int i = 7; i >= 0; --i) {
        message[static_cast<size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac {};
    unsigned int macLength = 0;
    if (!HMAC(EVP_sha1(), secret.constData(), static_cast<int>(secret.size()), message.data(), message.size(),
              mac.data(), &macLength)
        || macLength != 20)
        return QString(); // never matches a submitted code
    const int offset = mac[19] & 0x0f;
    const quint32 binary = (static_cast<quint32>(mac[static_cast<size_t>(offset)] & 0x7f) << 24)
        | (static_cast<quint32>(mac[static_cast<size_t>(offset + 1)]) << 16)
        | (static_cast<quint32>(mac[static_cast<size_t>(offset + 2)]) << 8)
        | static_cast<quint32>(mac[static_cast<size_t>(offset + 3)]);
    const qint64 value = static_cast<qint64>(binary) % powerOfTen(digits);
    return QStringLiteral("%1").arg(value, digits, 10, QLatin1Char('0'));
}

QString Totp::codeAt(const QByteArray& secret, qint64 unixSeconds, int digits, int periodSeconds)
{
    return hotp(secret, static_cast<quint64>(stepAt(unixSeconds, periodSeconds)), digits);
}

std::optional<qint64> Totp::matchingStep(const QByteArray& secret, const QString& code, qint64 unixSeconds,
                                         int window, int digits, int periodSeconds)
{
    const QByteArray submitted = code.toLatin1();
    const qint64 now = stepAt(unixSeconds, periodSeconds);
    std::optional<qint64> matched;
    for (qint64 step = now - window; step <= now + window; ++step) {
        if (step < 0)
            continue;
        if (constantTimeEquals(hotp(secret, static_cast<quint64>(step), digits).toLatin1(), submitted))
            matched = step;
    }
    return matched;
}

QString Totp::base32Encode(const QByteArray& data)
{
    QString out;
    out.reserve((data.size() * 8 + 4) / 5);
    quint32 buffer = 0;
    int bits = 0;
    for (const char byte : data) {
        buffer = (buffer << 8) | static_cast<unsigned char>(byte);
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(kAlphabet[(buffer >> (bits - 5)) & 0x1f]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(kAlphabet[(buffer << (5 - bits)) & 0x1f]));
    return out;
}

std::optional<QByteArray> Totp::base32Decode(const QString& text)
{
    QByteArray out;
    quint32 buffer = 0;
    int bits = 0;
    bool padding = false;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u == u' ' || u == u'-')
            continue;
        if (u == u'=') {
            padding = true;
            continue;
        }
        if (padding) // data after padding
            return std::nullopt;
        int value = -1;
        if (u >= u'A' && u <= u'Z')
            value = u - u'A';
        else if (u >= u'a' && u <= u'z')
            value = u - u'a';
        else if (u >= u'2' && u <= u'7')
            value = u - u'2' + 26;
        if (value < 0)
            return std::nullopt;
        buffer = (buffer << 5) | static_cast<quint32>(value);
        bits += 5;
        if (bits >= 8) {
            out.append(static_cast<char>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
        buffer &= (1u << bits) - 1;
    }
    if (bits >= 5 || buffer != 0) // an impossible group length, or bits a canonical encoder never sets
        return std::nullopt;
    return out;
}

QString Totp::otpauthUri(const QString& issuer, const QString& account, const QByteArray& secret)
{
    return QStringLiteral("otpauth://totp/") + percentEncoded(issuer) + QStringLiteral(":") + percentEncoded(account)
        + QStringLiteral("?secret=") + base32Encode(secret) + QStringLiteral("&issuer=") + percentEncoded(issuer)
        + QStringLiteral("&algorithm=SHA1&digits=%1&period=%2").arg(kDigits).arg(kPeriodSeconds);
}

} // namespace authshield::server
