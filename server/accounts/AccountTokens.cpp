#include "server/accounts/AccountTokens.h"

#include "server/core/Clock.h"
#include "server/crypto/Random.h"
#include "server/crypto/Sha256.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"

#include <QUuid>

namespace authshield::server {

namespace {

constexpr qsizetype kRawTokenLength = 43;

std::optional<AccountTokenPurpose> parsePurpose(const QString& name)
{
    for (AccountTokenPurpose purpose :
         { AccountTokenPurpose::VerifyEmail, AccountTokenPurpose::ResetPassword, AccountTokenPurpose::ChangeEmail }) {
        if (accountTokenPurposeName(purpose) == name)
            return purpose;
    }
    return std::nullopt;
}

// "purpose IN (:p0, :p1)" for the given purposes.
QString purposeList(const QList<AccountTokenPurpose>& purposes)
{
    QStringList placeholders;
    for (qsizetype i = 0; i < purposes.size(); ++i)
        placeholders << QStringLiteral(":p%1").arg(i);
    return QStringLiteral("purpose IN (%1)").arg(placeholders.join(QStringLiteral(", ")));
}

} // namespace

QString accountTokenPurposeName(AccountTokenPurpose purpose)
{
    switch (purpose) {
    case AccountTokenPurpose::VerifyEmail:
        return QStringLiteral("verify_email");
    case AccountTokenPurpose::ResetPassword:
        return QStringLiteral("reset_password");
    case AccountTokenPurpose::ChangeEmail:
        return QStringLiteral("change_email");
    }
    return {};
}

AccountTokens::AccountTokens(const Database& database, const Clock& clock, Random& random)
    : m_database(database)
    , m_clock(clock)
    , m_random(random)
{
}

Result<QByteArray> AccountTokens::issue(const QString& userId, AccountTokenPurpose purpose, std::chrono::seconds ttl,
                                        const QString& newEmail) const
{
    SqlQuery remove
        = m_database.prepare(QStringLiteral("DELETE FROM account_tokens WHERE user_id = :user AND purpose = :purpose"));
    remove.bind(QStringLiteral(":user"), userId).bind(QStringLiteral(":purpose"), accountTokenPurposeName(purpose));
    if (Result<void> removed = remove.exec(); !removed)
        return removed.error();

    const QByteArray raw = randomToken256(m_random);
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    SqlQuery insert = m_database.prepare(QStringLiteral(
        "INSERT INTO account_tokens (id, user_id, purpose, token_hash, new_email, created_at, expires_at) "
        "VALUES (:id, :user, :purpose, :hash, :new_email, :now, :expires)"));
    insert.bind(QStringLiteral(":id"), QUuid::createUuid().toString(QUuid::WithoutBraces));
    insert.bind(QStringLiteral(":user"), userId).bind(QStringLiteral(":purpose"), accountTokenPurposeName(purpose));
    insert.bindBlob(QStringLiteral(":hash"), Sha256::hash(raw));
    if (newEmail.isEmpty())
        insert.bindNull(QStringLiteral(":new_email"));
    else
        insert.bind(QStringLiteral(":new_email"), newEmail);
    insert.bind(QStringLiteral(":now"), now)
        .bind(QStringLiteral(":expires"), now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count());
    if (Result<void> inserted = insert.exec(); !inserted)
        return inserted.error();
    return raw;
}

Result<std::optional<AccountToken>> AccountTokens::find(const QString& sql, const QByteArray& rawToken,
                                                        const QList<AccountTokenPurpose>& purposes) const
{
    if (rawToken.size() != kRawTokenLength || purposes.isEmpty())
        return std::optional<AccountToken>();
    SqlQuery query = m_database.prepare(sql.arg(purposeList(purposes)));
    query.bindBlob(QStringLiteral(":hash"), Sha256::hash(rawToken));
    query.bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
    for (qsizetype i = 0; i < purposes.size(); ++i)
        query.bind(QStringLiteral(":p%1").arg(i), accountTokenPurposeName(purposes[i]));
    if (Result<void> ran = query.exec(); !ran)
        return ran.error();
    if (!query.next())
        return std::optional<AccountToken>();
    AccountToken token;
    token.id = query.uuid(0);
    token.userId = query.uuid(1);
    token.purpose = parsePurpose(query.string(2)).value_or(AccountTokenPurpose::VerifyEmail);
    token.newEmail = query.isNull(3) ? QString() : query.string(3);
    token.expiresAt = QDateTime::fromMSecsSinceEpoch(query.int64(4), Qt::UTC);
    return std::optional<AccountToken>(std::move(token));
}

Result<std::optional<AccountToken>> AccountTokens::consume(const QByteArray& rawToken,
                                                           QList<AccountTokenPurpose> purposes) const
{
    // One conditional UPDATE: the row is ours only if this statement flipped used_at.
    return find(QStringLiteral("UPDATE account_tokens SET used_at = :now WHERE token_hash = :hash AND %1 "
                               "AND used_at IS NULL AND expires_at > :now "
                               "RETURNING id, user_id, purpose, new_email, expires_at"),
                rawToken, purposes);
}

Result<std::optional<AccountToken>> AccountTokens::peek(const QByteArray& rawToken,
                                                        QList<AccountTokenPurpose> purposes) const
{
    return find(QStringLiteral("SELECT id, user_id, purpose, new_email, expires_at FROM account_tokens "
                               "WHERE token_hash = :hash AND %1 AND used_at IS NULL AND expires_at > :now"),
                rawToken, purposes);
}

} // namespace authshield::server
