#include "server/tokens/TokenService.h"

#include "server/tokens/TokenLifetimes.h"

#include "server/core/Metrics.h"

#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/crypto/Base64Url.h"
#include "server/crypto/Random.h"
#include "server/crypto/Sha256.h"
#include "server/sessions/DeviceLabel.h"
#include "server/sessions/RevocationList.h"
#include "server/sessions/SessionService.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"
#include "server/tokens/Jwt.h"
#include "server/tokens/SigningKeyStore.h"

#include <QJsonArray>
#include <QUuid>

namespace authshield::server {

namespace {
QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QByteArray tokenHash(const QString& token)
{
    return Sha256::hash(token.toUtf8());
}

qint64 secondsUntil(const QDateTime& now, const QDateTime& then)
{
    return qMax<qint64>(0, now.secsTo(then));
}

Error invalidRefreshToken()
{
    return Error::make(ErrorCode::InvalidRefreshToken, QStringLiteral("The refresh token is invalid or expired."));
}
} // namespace

QJsonObject tokenPairJson(const TokenPair& pair)
{
    return QJsonObject { { QStringLiteral("access_token"), pair.accessToken },
                         { QStringLiteral("token_type"), QStringLiteral("Bearer") },
                         { QStringLiteral("expires_in"), pair.expiresIn },
                         { QStringLiteral("refresh_token"), pair.refreshToken },
                         { QStringLiteral("refresh_expires_in"), pair.refreshExpiresIn } };
}

TokenService::TokenService(const Database& database, const Clock& clock, const TokensConfig& config,
                           const TokenIssuer& issuer, SigningKeyStore& keys, SessionService& sessions,
                           const UserRepository& users, const AuditLog& audit)
    : m_database(database)
    , m_clock(clock)
    , m_config(config)
    , m_issuer(issuer)
    , m_keys(keys)
    , m_sessions(sessions)
    , m_users(users)
    , m_audit(audit)
{
}

qint64 TokenService::accessTtlSeconds() const
{
    return m_lifetimes ? m_lifetimes->accessTtl().count() : m_config.accessTtl.count();
}

qint64 TokenService::refreshTtlSeconds() const
{
    return m_lifetimes ? m_lifetimes->refreshTtl().count() : m_config.refreshTtl.count();
}

Result<TokenService::AccessToken> TokenService::issueAccessToken(const QString& userId, const QString& sessionId,
                                                                 const QStringList& roles)
{
    Result<SigningKey> key = m_keys.currentKey();
    if (!key)
        return key.error();
    const QDateTime now = m_clock.now();
    const qint64 iat = now.toSecsSinceEpoch();
    const QDateTime expiresAt = QDateTime::fromSecsSinceEpoch(iat + accessTtlSeconds(), Qt::UTC);
    AccessToken token;
    SystemRandom random;
    token.tokenId = QString::fromLatin1(Base64Url::encode(random.bytes(16))); // 128 bits: unique, unguessable
    token.expiresAt = expiresAt;
    const QJsonObject claims { { QStringLiteral("iss"), m_issuer.value() },
                               { QStringLiteral("aud"), m_config.audience },
                               { QStringLiteral("sub"), userId },
                               { QStringLiteral("iat"), iat },
                               { QStringLiteral("nbf"), iat },
                               { QStringLiteral("exp"), expiresAt.toSecsSinceEpoch() },
                               { QStringLiteral("jti"), token.tokenId },
                               { QStringLiteral("sid"), sessionId },
                               { QStringLiteral("client_id"), m_config.audience },
                               { QStringLiteral("scope"), scope() },
                               { QStringLiteral("roles"), QJsonArray::fromStringList(roles) } };
    Result<QString> encoded
        = Jwt::encode(QJsonObject { { QStringLiteral("typ"), QStringLiteral("at+jwt") } }, claims, *key);
    if (!encoded)
        return encoded.error();
    token.token = *encoded;
    return token;
}

Result<QStringList> TokenService::activeUserRoles(const QString& userId) const
{
    // The account's state and its roles in one statement: refresh is write-bound, every round trip counts.
    SqlQuery select = m_database.prepare(
        QStringLiteral("SELECT u.status, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id "
                       "WHERE u.id = :id ORDER BY r.role"));
    select.bind(QStringLiteral(":id"), userId);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    QStringList roles;
    bool found = false;
    while (select.next()) {
        if (!found && parseUserStatus(select.string(0)) != UserStatus::Active)
            return invalidRefreshToken();
        found = true;
        if (!select.isNull(1))
            roles.append(select.string(1));
    }
    if (!found)
        return invalidRefreshToken();
    return roles;
}

Result<QString> TokenService::insertRefreshToken(const QString& sessionId, const QString& parentId,
                                                 const QDateTime& now, const QDateTime& expiresAt)
{
    const QString token = QString::fromLatin1(randomToken256());
    SqlQuery insert = m_database.prepare(
        QStringLiteral("INSERT INTO refresh_tokens (id, session_id, token_hash, parent_id, created_at, expires_at) "
                       "VALUES (:id, :session_id, :hash, :parent_id, :created_at, :expires_at)"));
    insert.bind(QStringLiteral(":id"), newId())
        .bind(QStringLiteral(":session_id"), sessionId)
        .bindBlob(QStringLiteral(":hash"), tokenHash(token))
        .bind(QStringLiteral(":created_at"), now.toMSecsSinceEpoch())
        .bind(QStringLiteral(":expires_at"), expiresAt.toMSecsSinceEpoch());
    if (parentId.isEmpty())
        insert.bindNull(QStringLiteral(":parent_id"));
    else
        insert.bind(QStringLiteral(":parent_id"), parentId);
    if (Result<void> executed = insert.exec(); !executed)
        return executed.error();
    return token;
}

Result<TokenPair> TokenService::startSession(const QString& userId, const RequestOrigin& origin)
{
    Result<QStringList> roles = m_users.roles(userId);
    if (!roles)
        return roles.error();
    const QDateTime now = m_clock.now();
    Session session;
    session.id = newId();
    session.userId = userId;
    session.createdAt = now;
    session.lastSeenAt = now;
    session.expiresAt = now.addSecs(refreshTtlSeconds());
    session.idleExpiresAt = qMin(session.expiresAt, now.addSecs(m_config.refreshIdleTtl.count()));
    session.ip = origin.ip;
    session.userAgent = origin.userAgent;
    session.device = DeviceLabel::fromUserAgent(origin.userAgent);

    std::optional<Transaction> tx;
    if (!m_database.inTransaction()) { // the login flow may already hold one (audit row of the login)
        Result<Transaction> begun = Transaction::begin(m_database);
        if (!begun)
            return begun.error();
        tx.emplace(std::move(begun).value());
    }
    if (Result<void> inserted = m_sessions.repository().insert(session); !inserted)
        return inserted.error();
    Result<QString> refresh = insertRefreshToken(session.id, {}, now, session.idleExpiresAt);
    if (!refresh)
        return refresh.error();
    if (tx) {
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    Result<AccessToken> access = issueAccessToken(userId, session.id, *roles);
    if (!access)
        return access.error();
    return TokenPair { access->token, accessTtlSeconds(), *refresh, secondsUntil(now, session.idleExpiresAt),
                       session.id };
}

Result<void> TokenService::auditReuse(const QString& userId, const QString& sessionId, const RequestOrigin& origin)
{
    if (m_reuseCounter)
        m_reuseCounter->only().increment();
    AuditEvent event{QStringLiteral("auth.refresh.reused"), QString(), userId, origin.ip, origin.userAgent,
                     origin.requestId, QStringLiteral("failure"),
                     QJsonObject{{QStringLiteral("session_id"), sessionId},
                                 {QStringLiteral("action"), QStringLiteral("session_revoked")}}};
    Result<qint64> recorded = m_audit.record(event);
    if (!recorded)
        return recorded.error();
    return success();
}

Result<TokenPair> TokenService::refresh(const QString& refreshToken, const RequestOrigin& origin)
{
    if (refreshToken.isEmpty() || refreshToken.size() > 128)
        return invalidRefreshToken();
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    // The row lock makes concurrent uses of one token queue here; the first marks it used, the others then see
    // used_at and take the reuse path.
    SqlQuery find = m_database.prepare(
        QStringLiteral("SELECT id, session_id, expires_at, used_at, revoked_at FROM refresh_tokens "
                       "WHERE token_hash = :hash")
        + m_database.dialect().forUpdate());
    find.bindBlob(QStringLiteral(":hash"), tokenHash(refreshToken));
    if (Result<void> executed = find.exec(); !executed)
        return executed.error();
    if (!find.next())
        return invalidRefreshToken();
    const QString tokenId = find.uuid(0);
    const QString sessionId = find.uuid(1);
    const qint64 expiresMs = find.int64(2);
    const std::optional<qint64> usedMs = find.optionalInt64(3);
    const bool revoked = !find.isNull(4);
    const QDateTime now = m_clock.now();
    const qint64 nowMs = now.toMSecsSinceEpoch();

    Result<std::optional<Session>> session = m_sessions.repository().find(sessionId, true);
    if (!session)
        return session.error();
    if (!session->has_value())
        return invalidRefreshToken();
    const QString userId = (*session)->userId;

    if (usedMs) {
        const qint64 graceMs = std::chrono::milliseconds(m_config.refreshReuseGrace).count();
        if (graceMs > 0 && nowMs - *usedMs <= graceMs)
            return invalidRefreshToken(); // a racing retry of a legitimate client: refuse, but keep the family
        Result<bool> revokedNow
            = m_sessions.repository().revoke(sessionId, QStringLiteral("refresh_token_reused"), now);
        if (!revokedNow)
            return revokedNow.error();
        if (Result<void> audited = auditReuse(userId, sessionId, origin); !audited)
            return audited.error();
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
        m_sessions.pushRevoked({ sessionId });
        return Error::make(ErrorCode::RefreshTokenReused,
                           QStringLiteral("The refresh token was already used; the session has been ended."));
    }
    if (revoked || expiresMs <= nowMs || !(*session)->isActive(now))
        return invalidRefreshToken();
    Result<QStringList> roles = activeUserRoles(userId);
    if (!roles)
        return roles.error();

    SqlQuery spend = m_database.prepare(
        QStringLiteral("UPDATE refresh_tokens SET used_at = :now WHERE id = :id AND used_at IS NULL"));
    spend.bind(QStringLiteral(":now"), nowMs).bind(QStringLiteral(":id"), tokenId);
    if (Result<void> executed = spend.exec(); !executed)
        return executed.error();
    if (spend.rowsAffected() != 1)
        return invalidRefreshToken();
    const QDateTime idleExpiresAt = qMin((*session)->expiresAt, now.addSecs(m_config.refreshIdleTtl.count()));
    Result<QString> child = insertRefreshToken(sessionId, tokenId, now, idleExpiresAt);
    if (!child)
        return child.error();
    if (Result<void> extended = m_sessions.repository().extendIdle(sessionId, now, idleExpiresAt); !extended)
        return extended.error();
    if (Result<void> committed = tx->commit(); !committed)
        return committed.error();

    Result<AccessToken> access = issueAccessToken(userId, sessionId, *roles);
    if (!access)
        return access.error();
    return TokenPair { access->token, accessTtlSeconds(), *child, secondsUntil(now, idleExpiresAt), sessionId };
}

Result<void> TokenService::logout(const TokenHolder& holder, const std::optional<QString>& refreshToken,
                                  const RequestOrigin& origin)
{
    const QDateTime now = m_clock.now();
    QStringList ended { holder.sessionId };
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    if (refreshToken && !refreshToken->isEmpty() && refreshToken->size() <= 128) {
        SqlQuery find = m_database.prepare(
            QStringLiteral("SELECT s.id FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id "
                           "WHERE r.token_hash = :hash AND s.user_id = :user_id"));
        find.bindBlob(QStringLiteral(":hash"), tokenHash(*refreshToken))
            .bind(QStringLiteral(":user_id"), holder.userId);
        if (Result<void> executed = find.exec(); !executed)
            return executed;
        if (find.next() && find.uuid(0) != holder.sessionId)
            ended.append(find.uuid(0));
    }
    for (const QString& sessionId : std::as_const(ended)) {
        if (Result<bool> revoked = m_sessions.repository().revoke(sessionId, QStringLiteral("logout"), now); !revoked)
            return revoked.error();
    }
    AuditEvent event { QStringLiteral("auth.logout"),
                       holder.userId,
                       holder.userId,
                       origin.ip,
                       origin.userAgent,
                       origin.requestId,
                       QStringLiteral("success"),
                       QJsonObject { { QStringLiteral("session_id"), holder.sessionId } } };
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    if (Result<void> committed = tx->commit(); !committed)
        return committed;
    m_sessions.pushRevoked(ended);
    if (!holder.tokenId.isEmpty())
        (void)m_sessions.revocations().blockToken(holder.tokenId, holder.tokenExpiresAt);
    return success();
}

Result<int> TokenService::revokeAllSessions(const QString& userId, const QString& reason, const RequestOrigin& origin,
                                            const QString& exceptSessionId)
{
    Result<QStringList> revoked = m_sessions.revokeAll(userId, reason, origin, exceptSessionId);
    if (!revoked)
        return revoked.error();
    return static_cast<int>(revoked->size());
}

} // namespace authshield::server
