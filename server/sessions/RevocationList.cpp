#include "server/sessions/RevocationList.h"

#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/SqlQuery.h"

#include <QTimer>

namespace authshield::server {

namespace {
constexpr qint64 kBucketMs = 60 * 1000;
const QString kComponent = QStringLiteral("revocation");
} // namespace

RevocationList::RevocationList(KeyValueStore& store, const Database& database, const Clock& clock,
                               std::chrono::seconds accessTtl, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_database(database)
    , m_clock(clock)
    , m_accessTtl(accessTtl)
    , m_pruneTimer(new QTimer(this))
{
    m_pruneTimer->setInterval(std::chrono::seconds(30));
    connect(m_pruneTimer, &QTimer::timeout, this, &RevocationList::prune);
    m_pruneTimer->start();
}

void RevocationList::attach(KeyValueSubscriber* subscriber)
{
    connect(subscriber, &KeyValueSubscriber::messageReceived, this, &RevocationList::onMessage);
    connect(subscriber, &KeyValueSubscriber::resynchronised, this, [this] {
        if (Result<void> loaded = resynchronise(); !loaded)
            Log::warning(kComponent, QStringLiteral("resynchronisation incomplete"),
                         {{QStringLiteral("error"), loaded.error().message}});
        Q_EMIT resynchronised();
    });
    subscriber->subscribe(channel());
    subscriber->start();
}

QByteArray RevocationList::bucketKey(qint64 expiresMs)
{
    return QByteArrayLiteral("revoked:") + QByteArray::number(expiresMs / kBucketMs);
}

Result<void> RevocationList::revokeSession(const QString& sessionId)
{
    const qint64 expiresMs = m_clock.now().toMSecsSinceEpoch()
                             + std::chrono::milliseconds(m_accessTtl + kMargin).count();
    addLocal(Kind::Session, sessionId, expiresMs);
    return push(Kind::Session, sessionId, expiresMs);
}

Result<void> RevocationList::blockToken(const QString& tokenId, const QDateTime& tokenExpiresAt)
{
    const qint64 expiresMs = tokenExpiresAt.toMSecsSinceEpoch() + std::chrono::milliseconds(kMargin).count();
    addLocal(Kind::Token, tokenId, expiresMs);
    return push(Kind::Token, tokenId, expiresMs);
}

Result<void> RevocationList::push(Kind kind, const QString& id, qint64 expiresMs)
{
    const QByteArray entry = QByteArray(1, static_cast<char>(kind)) + ':' + id.toUtf8() + ':'
                             + QByteArray::number(expiresMs);
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    // The bucket lives until its last possible entry has expired.
    const std::chrono::milliseconds ttl((expiresMs / kBucketMs + 1) * kBucketMs - nowMs + kBucketMs);
    Result<void> stored = m_store.addToSet(bucketKey(expiresMs), entry, ttl);
    Result<void> published = m_store.publish(channel(), entry);
    if (!stored || !published) {
        const Error& error = !stored ? stored.error() : published.error();
        Log::warning(kComponent, QStringLiteral("revocation not pushed to other instances"),
                     {{QStringLiteral("error"), error.message}});
        return error;
    }
    return success();
}

void RevocationList::addLocal(Kind kind, const QString& id, qint64 expiresMs)
{
    QWriteLocker locker(&m_lock);
    QHash<QString, qint64>& target = kind == Kind::Session ? m_sessions : m_tokens;
    qint64& expiry = target[id];
    expiry = qMax(expiry, expiresMs);
}

bool RevocationList::addEntry(const QByteArray& entry)
{
    const QList<QByteArray> parts = entry.split(':');
    if (parts.size() != 3 || parts.at(0).size() != 1 || parts.at(1).isEmpty())
        return false;
    bool ok = false;
    const qint64 expiresMs = parts.at(2).toLongLong(&ok);
    if (!ok)
        return false;
    const char kind = parts.at(0).at(0);
    if (kind != static_cast<char>(Kind::Session) && kind != static_cast<char>(Kind::Token))
        return false;
    if (expiresMs <= m_clock.now().toMSecsSinceEpoch())
        return true;
    addLocal(static_cast<Kind>(kind), QString::fromUtf8(parts.at(1)), expiresMs);
    return true;
}

void RevocationList::onMessage(const QByteArray& messageChannel, const QByteArray& payload)
{
    if (messageChannel != channel())
        return;
    if (!addEntry(payload))
        Log::warning(kComponent, QStringLiteral("malformed revocation message ignored"));
}

Result<void> RevocationList::resynchronise()
{
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    const qint64 horizonMs = nowMs + std::chrono::milliseconds(m_accessTtl + kMargin).count() + kBucketMs;
    std::optional<Error> firstError;
    int entries = 0;
    for (qint64 bucket = nowMs / kBucketMs; bucket <= horizonMs / kBucketMs; ++bucket) {
        Result<QList<QByteArray>> members = m_store.setMembers(bucketKey(bucket * kBucketMs));
        if (!members) {
            firstError = members.error();
            break;
        }
        for (const QByteArray& member : *members)
            entries += addEntry(member) ? 1 : 0;
    }
    // The database is the source of truth for sessions: a revocation whose push failed is found here.
    const qint64 sinceMs = nowMs - std::chrono::milliseconds(m_accessTtl + kMargin).count();
    SqlQuery revoked = m_database.prepare(
        QStringLiteral("SELECT id, revoked_at FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at > :since"));
    revoked.bind(QStringLiteral(":since"), sinceMs);
    if (Result<void> executed = revoked.exec(); executed) {
        while (revoked.next()) {
            addLocal(Kind::Session, revoked.uuid(0),
                     revoked.int64(1) + std::chrono::milliseconds(m_accessTtl + kMargin).count());
            ++entries;
        }
    } else if (!firstError) {
        firstError = executed.error();
    }
    Log::info(kComponent, QStringLiteral("resynchronised"), {{QStringLiteral("entries"), entries}});
    if (firstError)
        return *firstError;
    return success();
}

bool RevocationList::isSessionRevoked(const QString& sessionId) const
{
    QReadLocker locker(&m_lock);
    return m_sessions.contains(sessionId);
}

bool RevocationList::isTokenBlocked(const QString& tokenId) const
{
    QReadLocker locker(&m_lock);
    return m_tokens.contains(tokenId);
}

bool RevocationList::isRevoked(const QString& sessionId, const QString& tokenId) const
{
    QReadLocker locker(&m_lock);
    return m_sessions.contains(sessionId) || m_tokens.contains(tokenId);
}

void RevocationList::prune()
{
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    QWriteLocker locker(&m_lock);
    for (QHash<QString, qint64>* set : {&m_sessions, &m_tokens})
        set->removeIf([nowMs](const QHash<QString, qint64>::iterator& it) { return it.value() <= nowMs; });
}

int RevocationList::size() const
{
    QReadLocker locker(&m_lock);
    return static_cast<int>(m_sessions.size() + m_tokens.size());
}

} // namespace authshield::server
