#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace authshield::server {

class Clock;
class Database;

struct TotpRecord
{
    QString userId;
    QByteArray sealedSecret;
    bool enabled = false;
    QDateTime createdAt;
    std::optional<QDateTime> enrolledAt;
    std::optional<qint64> lastUsedStep;
};

struct StoredRecoveryCode
{
    QString id;
    QByteArray hash;
};

// Tables mfa_totp and mfa_recovery_codes (migration 0005). Each call is one statement; callers that need several
// to commit together open a Transaction, which these join.
class MfaRepository
{
public:
    MfaRepository(const Database& database, const Clock& clock);

    Result<std::optional<TotpRecord>> totp(const QString& userId) const;
    // Whether the user signs in with a second factor (admin user detail: "mfa_enabled").
    Result<bool> isEnabled(const QString& userId) const;

    // Stores a pending (not yet confirmed) secret, replacing a pending one. Conflict when TOTP is enabled.
    Result<void> savePending(const QString& userId, const QByteArray& sealedSecret) const;
    // Pending → enabled, remembering the step of the confirming code; false when there was no pending row.
    Result<bool> enable(const QString& userId, qint64 step) const;
    // Records an accepted code's step, atomically refusing a step at or before the last accepted one (a replay,
    // also across instances): false when refused.
    Result<bool> acceptStep(const QString& userId, qint64 step) const;
    // Removes the authenticator and every recovery code; true when there was an authenticator.
    Result<bool> remove(const QString& userId) const;

    Result<void> replaceRecoveryCodes(const QString& userId, const QList<QByteArray>& hashes) const;
    Result<QList<StoredRecoveryCode>> unusedRecoveryCodes(const QString& userId) const;
    // Marks one code used; false when it was used meanwhile (the other request won).
    Result<bool> spendRecoveryCode(const QString& codeId) const;
    Result<int> remainingRecoveryCodes(const QString& userId) const;

private:
    const Database& m_database;
    const Clock& m_clock;
};

} // namespace authshield::server
