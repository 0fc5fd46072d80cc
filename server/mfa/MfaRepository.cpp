#include "server/mfa/MfaRepository.h"

#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"

#include <QUuid>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
// PostgreSQL refuses a malformed uuid with an error; such an id simply has no rows.
bool isUuid(const QString& id)
{
    return !QUuid::fromString(id).isNull();
}
} // namespace

MfaRepository::MfaRepository(const Database& database, const Clock& clock)
    : m_database(database)
    , m_clock(clock)
{
}

Result<std::optional<TotpRecord>> MfaRepository::totp(const QString& userId) const
{
    if (!isUuid(userId))
        return std::optional<TotpRecord>();
    SqlQuery select = m_database.prepare(u"SELECT secret_sealed, enabled, created_at, enrolled_at, last_used_step "
                                         u"FROM mfa_totp WHERE user_id = :user"_s);
    select.bind(u":user"_s, userId);
    if (Result<void> done = select.exec(); !done)
        return done.error();
    if (!select.next())
        return std::optional<TotpRecord>();
    TotpRecord record;
    record.userId = userId;
    record.sealedSecret = select.blob(0);
    record.enabled = select.boolean(1);
    record.createdAt = QDateTime::fromMSecsSinceEpoch(select.int64(2), Qt::UTC);
    if (const std::optional<qint64> at = select.optionalInt64(3))
        record.enrolledAt = QDateTime::fromMSecsSinceEpoch(*at, Qt::UTC);
    record.lastUsedStep = select.optionalInt64(4);
    return std::optional<TotpRecord>(record);
}

Result<bool> MfaRepository::isEnabled(const QString& userId) const
{
    Result<std::optional<TotpRecord>> record = totp(userId);
    if (!record)
        return record.error();
    return record->has_value() && (*record)->enabled;
}

Result<void> MfaRepository::savePending(const QString& userId, const QByteArray& sealedSecret) const
{
    // The WHERE of the upsert leaves an enabled authenticator untouched (0 rows): the caller said Conflict.
    SqlQuery upsert = m_database.prepare(
        u"INSERT INTO mfa_totp (user_id, secret_sealed, enabled, created_at) VALUES (:user, :secret, :off, :now) "
        u"ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, "
        u"created_at = excluded.created_at, enrolled_at = NULL, last_used_step = NULL "
        u"WHERE mfa_totp.enabled = :off2"_s);
    upsert.bind(u":user"_s, userId)
        .bindBlob(u":secret"_s, sealedSecret)
        .bindBool(u":off"_s, false)
        .bindBool(u":off2"_s, false)
        .bind(u":now"_s, m_clock.now().toMSecsSinceEpoch());
    if (Result<void> done = upsert.exec(); !done)
        return done;
    if (upsert.rowsAffected() != 1)
        return Error::make(ErrorCode::Conflict, u"two-factor authentication is already enabled"_s);
    return success();
}

Result<bool> MfaRepository::enable(const QString& userId, qint64 step) const
{
    SqlQuery update = m_database.prepare(u"UPDATE mfa_totp SET enabled = :on, enrolled_at = :now, "
                                         u"last_used_step = :step WHERE user_id = :user AND enabled = :off"_s);
    update.bindBool(u":on"_s, true)
        .bindBool(u":off"_s, false)
        .bind(u":now"_s, m_clock.now().toMSecsSinceEpoch())
        .bind(u":step"_s, step)
        .bind(u":user"_s, userId);
    if (Result<void> done = update.exec(); !done)
        return done.error();
    return update.rowsAffected() == 1;
}

Result<bool> MfaRepository::acceptStep(const QString& userId, qint64 step) const
{
    SqlQuery update = m_database.prepare(u"UPDATE mfa_totp SET last_used_step = :step WHERE user_id = :user "
                                         u"AND (last_used_step IS NULL OR last_used_step < :step2)"_s);
    update.bind(u":step"_s, step).bind(u":step2"_s, step).bind(u":user"_s, userId);
    if (Result<void> done = update.exec(); !done)
        return done.error();
    return update.rowsAffected() == 1;
}

Result<bool> MfaRepository::remove(const QString& userId) const
{
    if (!isUuid(userId))
        return false;
    SqlQuery codes = m_database.prepare(u"DELETE FROM mfa_recovery_codes WHERE user_id = :user"_s);
    codes.bind(u":user"_s, userId);
    if (Result<void> done = codes.exec(); !done)
        return done.error();
    SqlQuery totp = m_database.prepare(u"DELETE FROM mfa_totp WHERE user_id = :user"_s);
    totp.bind(u":user"_s, userId);
    if (Result<void> done = totp.exec(); !done)
        return done.error();
    return totp.rowsAffected() > 0;
}

Result<void> MfaRepository::replaceRecoveryCodes(const QString& userId, const QList<QByteArray>& hashes) const
{
    SqlQuery old = m_database.prepare(u"DELETE FROM mfa_recovery_codes WHERE user_id = :user"_s);
    old.bind(u":user"_s, userId);
    if (Result<void> done = old.exec(); !done)
        return done;
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    for (const QByteArray& hash : hashes) {
        SqlQuery insert = m_database.prepare(u"INSERT INTO mfa_recovery_codes (id, user_id, code_hash, created_at) "
                                             u"VALUES (:id, :user, :hash, :now)"_s);
        insert.bind(u":id"_s, QUuid::createUuid().toString(QUuid::WithoutBraces))
            .bind(u":user"_s, userId)
            .bindBlob(u":hash"_s, hash)
            .bind(u":now"_s, now);
        if (Result<void> done = insert.exec(); !done)
            return done;
    }
    return success();
}

Result<QList<StoredRecoveryCode>> MfaRepository::unusedRecoveryCodes(const QString& userId) const
{
    SqlQuery select
        = m_database.prepare(u"SELECT id, code_hash FROM mfa_recovery_codes WHERE user_id = :user AND used_at IS NULL"_s);
    select.bind(u":user"_s, userId);
    if (Result<void> done = select.exec(); !done)
        return done.error();
    QList<StoredRecoveryCode> codes;
    while (select.next())
        codes.append(StoredRecoveryCode{select.uuid(0), select.blob(1)});
    return codes;
}

Result<bool> MfaRepository::spendRecoveryCode(const QString& codeId) const
{
    SqlQuery update
        = m_database.prepare(u"UPDATE mfa_recovery_codes SET used_at = :now WHERE id = :id AND used_at IS NULL"_s);
    update.bind(u":now"_s, m_clock.now().toMSecsSinceEpoch()).bind(u":id"_s, codeId);
    if (Result<void> done = update.exec(); !done)
        return done.error();
    return update.rowsAffected() == 1;
}

Result<int> MfaRepository::remainingRecoveryCodes(const QString& userId) const
{
    if (!isUuid(userId))
        return 0;
    SqlQuery count = m_database.prepare(
        u"SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = :user AND used_at IS NULL"_s);
    count.bind(u":user"_s, userId);
    if (Result<void> done = count.exec(); !done)
        return done.error();
    return count.next() ? static_cast<int>(count.int64(0)) : 0;
}

} // namespace authshield::server
