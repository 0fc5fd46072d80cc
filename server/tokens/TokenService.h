#pragma once

#include "server/audit/AuditEvent.h"
#include "server/core/Config.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QReadWriteLock>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class SessionService;
class SigningKeyStore;
class TokenLifetimes;
class UserRepository;

struct TokenPair
{
    QString accessToken;
    qint64 expiresIn = 0; // seconds
    QString refreshToken;
    qint64 refreshExpiresIn = 0; // seconds until this refresh token expires (idle or absolute, whichever first)
    QString sessionId;
};

// {access_token, token_type:"Bearer", expires_in, refresh_token, refresh_expires_in}
QJsonObject tokenPairJson(const TokenPair& pair);

// The token issuer ("iss"): the public URL, known only once the listener has its port when it is not configured.
// Thread-safe.
class TokenIssuer
{
public:
    QString value() const
    {
        QReadLocker locker(&m_lock);
        return m_value;
    }
    void set(const QString& value)
    {
        QWriteLocker locker(&m_lock);
        m_value = value;
    }

private:
    mutable QReadWriteLock m_lock;
    QString m_value;
};

// What the caller of logout is, as established from its access token.
struct TokenHolder
{
    QString userId;
    QString sessionId;
    QString tokenId; // jti
    QDateTime tokenExpiresAt;
};

// Sessions and the tokens issued for them: access tokens (RFC 9068 JWTs), refresh tokens (256-bit random, stored
// only as SHA-256, one family per session, rotated on every use, reuse of a spent one revokes the family), logout.
// Thread-safe; every method runs on the calling thread's database connection.
class CounterFamily;

class TokenService
{
public:
    TokenService(const Database& database, const Clock& clock, const TokensConfig& config, const TokenIssuer& issuer,
                 SigningKeyStore& keys, SessionService& sessions, const UserRepository& users, const AuditLog& audit);

    // After a successful credential check: a new session with its refresh family and the first token pair.
    Result<TokenPair> startSession(const QString& userId, const RequestOrigin& origin);
    // Counts each detected reuse (metrics); optional.
    void setReuseCounter(CounterFamily* counter) { m_reuseCounter = counter; }
    // The live access_ttl / refresh_ttl for new tokens and sessions; without it the configured ones apply.
    void setLifetimes(const TokenLifetimes* lifetimes) { m_lifetimes = lifetimes; }
    // Rotation in one write transaction. Spent token → RefreshTokenReused (the session is revoked everywhere,
    // audited as auth.refresh.reused), except within [tokens] refresh_reuse_grace seconds of its first use, which
    // answers InvalidRefreshToken without revoking; unknown/expired/revoked → InvalidRefreshToken.
    Result<TokenPair> refresh(const QString& refreshToken, const RequestOrigin& origin);
    // Ends the caller's session (refresh family included) and blocklists its access token on every instance;
    // a refresh token given too (of the same user) ends its session as well.
    Result<void> logout(const TokenHolder& holder, const std::optional<QString>& refreshToken,
                        const RequestOrigin& origin);
    // Every session of the user except exceptSessionId; returns how many were revoked. Joins the caller's
    // transaction when one is open on this thread.
    Result<int> revokeAllSessions(const QString& userId, const QString& reason, const RequestOrigin& origin,
                                  const QString& exceptSessionId = {});

    struct AccessToken
    {
        QString token;
        QString tokenId;
        QDateTime expiresAt;
    };
    Result<AccessToken> issueAccessToken(const QString& userId, const QString& sessionId, const QStringList& roles);

    static QString scope() { return QStringLiteral("openid profile"); }

private:
    CounterFamily* m_reuseCounter = nullptr;
    const TokenLifetimes* m_lifetimes = nullptr;
    qint64 accessTtlSeconds() const;
    qint64 refreshTtlSeconds() const;
    Result<QStringList> activeUserRoles(const QString& userId) const;
    Result<QString> insertRefreshToken(const QString& sessionId, const QString& parentId, const QDateTime& now,
                                       const QDateTime& expiresAt);
    Result<void> auditReuse(const QString& userId, const QString& sessionId, const RequestOrigin& origin);

    const Database& m_database;
    const Clock& m_clock;
    const TokensConfig m_config;
    const TokenIssuer& m_issuer;
    SigningKeyStore& m_keys;
    SessionService& m_sessions;
    const UserRepository& m_users;
    const AuditLog& m_audit;
};

} // namespace authshield::server
