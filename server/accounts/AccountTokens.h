#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>

namespace authshield::server {

class Clock;
class Database;
class Random;

enum class AccountTokenPurpose { VerifyEmail, ResetPassword, ChangeEmail };

QString accountTokenPurposeName(AccountTokenPurpose purpose);

struct AccountToken
{
    QString id;
    QString userId;
    AccountTokenPurpose purpose = AccountTokenPurpose::VerifyEmail;
    QString newEmail; // change_email only
    QDateTime expiresAt;
};

// Single-use links sent by mail (table account_tokens): 256-bit random tokens of which only the SHA-256 is
// stored. Both methods join a Transaction open on this thread.
class AccountTokens
{
public:
    AccountTokens(const Database& database, const Clock& clock, Random& random);

    // Returns the raw token (43 base64url characters) for the link; any older token of the same user and
    // purpose stops working.
    Result<QByteArray> issue(const QString& userId, AccountTokenPurpose purpose, std::chrono::seconds ttl,
                             const QString& newEmail = {}) const;
    // Marks the token used, atomically: of two concurrent uses exactly one gets it. nullopt when it is
    // unknown, of another purpose, already used or expired.
    Result<std::optional<AccountToken>> consume(const QByteArray& rawToken, QList<AccountTokenPurpose> purposes) const;
    // Looks a usable token up without spending it (to check a reset password before the Argon2 work).
    Result<std::optional<AccountToken>> peek(const QByteArray& rawToken, QList<AccountTokenPurpose> purposes) const;

private:
    Result<std::optional<AccountToken>> find(const QString& sql, const QByteArray& rawToken,
                                             const QList<AccountTokenPurpose>& purposes) const;

    const Database& m_database;
    const Clock& m_clock;
    Random& m_random;
};

} // namespace authshield::server
