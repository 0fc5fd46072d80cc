#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace authshield::server {

// What a user needs to add the authenticator to an app: the base32 secret, the otpauth:// URI and the same URI
// as a QR code (SVG). Shown once, while the enrolment is pending.
struct TotpEnrolment
{
    QString secret;
    QString otpauthUri;
    QString qrSvg;
};

struct MfaStatus
{
    bool totpEnabled = false;
    int recoveryCodesRemaining = 0;
    std::optional<QDateTime> enrolledAt;
};

// The second factor a request presents: a current TOTP code or one recovery code (exactly one is set).
struct SecondFactor
{
    QString code;
    QString recoveryCode;
};

} // namespace authshield::server
