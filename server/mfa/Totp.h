#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace authshield::server {

// RFC 6238 time-based one-time passwords (HMAC-SHA1, as every authenticator app implements) and the RFC 4648
// base32 alphabet the secrets travel in.
class Totp
{
public:
    static constexpr int kDigits = 6;
    static constexpr int kPeriodSeconds = 30;
    static constexpr int kSecretBytes = 20; // 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226

    // The time step containing unixSeconds.
    static qint64 stepAt(qint64 unixSeconds, int periodSeconds = kPeriodSeconds);
    // RFC 4226 HOTP of one counter value, zero-padded to digits (6..9).
    static QString hotp(const QByteArray& secret, quint64 counter, int digits = kDigits);
    static QString codeAt(const QByteArray& secret, qint64 unixSeconds, int digits = kDigits,
                          int periodSeconds = kPeriodSeconds);
    // The step within ±window of now whose code equals code, latest first on a (practically impossible) tie.
    // Every candidate is computed and compared in constant time, so timing says nothing about which matched.
    static std::optional<qint64> matchingStep(const QByteArray& secret, const QString& code, qint64 unixSeconds,
                                              int window = 1, int digits = kDigits,
                                              int periodSeconds = kPeriodSeconds);

    // RFC 4648 base32, upper case, without padding (the otpauth URI form).
    static QString base32Encode(const QByteArray& data);
    // Accepts upper or lower case, optional '=' padding, spaces and dashes (as users type them); nullopt on
    // anything else or on non-zero trailing bits of a short final group.
    static std::optional<QByteArray> base32Decode(const QString& text);

    // otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
    static QString otpauthUri(const QString& issuer, const QString& account, const QByteArray& secret);
};

} // namespace authshield::server
