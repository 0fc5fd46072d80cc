#pragma once

#include "server/storage/KeyValueStore.h"

#include <QHash>
#include <QMutex>
#include <QSet>

#include <map>
#include <memory>

namespace authshield::server {

class Clock;
class InProcessPubSub;

// KeyValueStore for a single process (the embedded default): a mutex-protected hash with the same
// semantics as the Redis store, down to TTLs and type errors. Time comes from the injected Clock, so tests
// expire keys by advancing a fake clock. Expired keys are dropped on every call (oldest expiry first), so
// memory stays bounded by what is still alive.
class InProcessKeyValueStore final : public KeyValueStore
{
public:
    explicit InProcessKeyValueStore(const Clock& clock, QByteArray prefix = defaultPrefix());
    ~InProcessKeyValueStore() override;

    QString backendName() const override { return QStringLiteral("in-process"); }
    std::shared_ptr<InProcessPubSub> pubSub() const { return m_pubSub; }
    qsizetype size() const; // live keys, for tests and metrics

    Result<std::chrono::microseconds> ping() override;
    Result<std::optional<QByteArray>> get(const QByteArray& key) override;
    Result<void> set(const QByteArray& key, const QByteArray& value, std::chrono::milliseconds ttl) override;
    Result<bool> setIfAbsent(const QByteArray& key, const QByteArray& value, std::chrono::milliseconds ttl) override;
    Result<qint64> increment(const QByteArray& key, qint64 by, std::chrono::milliseconds ttl) override;
    Result<bool> remove(const QByteArray& key) override;
    Result<std::chrono::milliseconds> ttl(const QByteArray& key) override;
    Result<void> addToSet(const QByteArray& key, const QByteArray& member, std::chrono::milliseconds ttl) override;
    Result<QList<QByteArray>> setMembers(const QByteArray& key) override;
    Result<void> publish(const QByteArray& channel, const QByteArray& message) override;

private:
    struct Entry
    {
        bool isSet = false;
        QByteArray value;
        QSet<QByteArray> members;
        qint64 expiresAtMs = 0; // 0 = never
    };

    // Both require m_mutex held.
    qint64 purgeExpired() const;
    void setExpiry(const QByteArray& fullKey, Entry& entry, qint64 nowMs, std::chrono::milliseconds ttl);

    const Clock& m_clock;
    const std::shared_ptr<InProcessPubSub> m_pubSub;
    mutable QMutex m_mutex;
    mutable QHash<QByteArray, Entry> m_entries;
    // expiry time -> key; may hold stale pairs for keys since overwritten, checked against the entry.
    mutable std::multimap<qint64, QByteArray> m_expiries;
};

} // namespace authshield::server
