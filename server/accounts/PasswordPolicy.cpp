#include "server/accounts/PasswordPolicy.h"

#include "server/accounts/EmailAddress.h"
#include "server/core/Log.h"
#include "server/crypto/PasswordHasher.h"

#include <QFile>
#include <QSet>

namespace authshield::server {

namespace {

constexpr int kMinLocalPartLength = 3; // shorter local parts ("jo") occur inside too many good passwords

QSet<QString> loadCommonPasswords()
{
    QSet<QString> passwords;
    QFile file(QStringLiteral(":/resources/passwords/common-passwords.txt"));
    if (!file.open(QIODevice::ReadOnly)) {
        Log::error(QStringLiteral("accounts"), QStringLiteral("common-password list missing from the binary"));
        return passwords;
    }
    passwords.reserve(10000);
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray& line : lines) {
        const QString word = QString::fromUtf8(line).trimmed().toLower();
        if (!word.isEmpty())
            passwords.insert(word);
    }
    return passwords;
}

const QSet<QString>& commonPasswords()
{
    static const QSet<QString> passwords = loadCommonPasswords(); // thread-safe one-time load
    return passwords;
}

} // namespace

PasswordPolicy::PasswordPolicy(const PasswordConfig& config, const PasswordHasher& hasher)
    : m_config(config)
    , m_hasher(hasher)
{
}

bool PasswordPolicy::isCommon(const QString& password)
{
    return commonPasswords().contains(password.toLower());
}

QStringList PasswordPolicy::problems(const QString& password, const QString& email, const QString& currentHash) const
{
    QStringList reasons;
    const qsizetype codePoints = password.toUcs4().size();
    const PasswordConfig limits = m_source ? m_source() : m_config;
    if (codePoints < limits.minLength)
        reasons << QStringLiteral("must be at least %1 characters long").arg(limits.minLength);
    const QByteArray utf8 = password.toUtf8();
    if (utf8.size() > limits.maxBytes)
        reasons << QStringLiteral("must be at most %1 bytes long").arg(limits.maxBytes);
    if (!password.isEmpty() && isCommon(password))
        reasons << QStringLiteral("is one of the 10,000 most common passwords");
    const QString trimmed = email.trimmed();
    const QString local = trimmed.contains(u'@') ? EmailAddress::localPart(trimmed).toLower() : QString();
    if (local.size() >= kMinLocalPartLength && password.toLower().contains(local))
        reasons << QStringLiteral("must not contain your email address");
    // Only worth the Argon2 cost when nothing cheaper already refused it.
    if (reasons.isEmpty() && !currentHash.isEmpty() && m_hasher.verify(currentHash, utf8).matches)
        reasons << QStringLiteral("must differ from your current password");
    return reasons;
}

Result<void> PasswordPolicy::check(const QString& password, const QString& email, const QString& fieldName,
                                   const QString& currentHash) const
{
    const QStringList reasons = problems(password, email, currentHash);
    if (reasons.isEmpty())
        return success();
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the password does not meet the policy"));
    error.fields.insert(fieldName, reasons.join(QStringLiteral("; ")));
    return error;
}

} // namespace authshield::server
