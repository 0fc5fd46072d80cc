#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QReadWriteLock>
#include <QString>

#include <chrono>

class QTimer;

namespace authshield::server {

class Clock;
class Database;
class KeyValueStore;
class KeyValueSubscriber;

// Revoked sessions (sid) and blocklisted access tokens (jti), known locally by every instance so the auth guard
// checks them without a network round trip. A revocation is stored in the key-value store (one set per minute of
// expiry, so old entries vanish by themselves) and published on kChannel; every instance's subscriber adds
// what it receives to its local set, and reloads the store (plus the sessions revoked recently in the
// database, the source of truth) after every (re)connect, because messages sent meanwhile are lost.
// An entry lives until the last access token it concerns has expired, then it is pruned.
// Lives in the ServerContext's thread; the query methods are thread-safe.
class RevocationList : public QObject
{
    Q_OBJECT

public:
    static QByteArray channel() { return QByteArrayLiteral("revocations"); }
    static constexpr std::chrono::seconds kMargin{60}; // clock skew and verifier leeway

    RevocationList(KeyValueStore& store, const Database& database, const Clock& clock, std::chrono::seconds accessTtl,
                   QObject* parent);

    // Subscribes to the channel, reloads on every resynchronisation, and starts it.
    void attach(KeyValueSubscriber* subscriber);

    // Every access token of the session stops working (those issued before now expire within access_ttl).
    // The local set always changes; the error only says the push to other instances failed (they then
    // learn it from the database when they resynchronise).
    Result<void> revokeSession(const QString& sessionId);
    Result<void> blockToken(const QString& tokenId, const QDateTime& tokenExpiresAt);

    bool isSessionRevoked(const QString& sessionId) const;
    bool isTokenBlocked(const QString& tokenId) const;
    // Both checks under one lock (the hot path).
    bool isRevoked(const QString& sessionId, const QString& tokenId) const;

    Result<void> resynchronise();
    void prune();
    int size() const;

Q_SIGNALS:
    void resynchronised();

private:
    enum class Kind : char { Session = 's', Token = 'j' };
    Result<void> push(Kind kind, const QString& id, qint64 expiresMs);
    void addLocal(Kind kind, const QString& id, qint64 expiresMs);
    bool addEntry(const QByteArray& entry);
    void onMessage(const QByteArray& channel, const QByteArray& payload);
    static QByteArray bucketKey(qint64 expiresMs);

    KeyValueStore& m_store;
    const Database& m_database;
    const Clock& m_clock;
    const std::chrono::seconds m_accessTtl;
    mutable QReadWriteLock m_lock;
    QHash<QString, qint64> m_sessions; // sid → expiry (epoch ms)
    QHash<QString, qint64> m_tokens; // jti → expiry
    QTimer* m_pruneTimer = nullptr;
};

} // namespace authshield::server
