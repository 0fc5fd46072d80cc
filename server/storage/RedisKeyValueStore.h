#pragma once

#include "server/storage/KeyValueStore.h"
#include "server/storage/RedisClient.h"
#include "server/storage/RedisUrl.h"

#include <QMutex>

#include <memory>
#include <vector>

namespace authshield::server {

// KeyValueStore on Redis. Connections are pooled: a calling thread takes an idle RedisClient for the
// duration of one call (making a new one when none is idle), so each connection is used by one thread at
// a time and the pool never holds more connections than there were concurrent callers.
class RedisKeyValueStore final : public KeyValueStore
{
public:
    RedisKeyValueStore(RedisUrl url, std::chrono::milliseconds connectTimeout,
                       std::chrono::milliseconds commandTimeout, QByteArray prefix = defaultPrefix());
    ~RedisKeyValueStore() override;

    QString backendName() const override { return QStringLiteral("redis"); }
    const RedisUrl& url() const { return m_url; }
    std::chrono::milliseconds connectTimeout() const { return m_connectTimeout; }
    std::chrono::milliseconds commandTimeout() const { return m_commandTimeout; }

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

    // For domain code that needs atomic Lua (the sliding-window rate limiter). Keys are given without the
    // prefix; the store adds it. Scripts must touch only the keys they are given.
    Result<RedisReply> evalScript(const QByteArray& script, const QList<QByteArray>& keys,
                                  const QList<QByteArray>& args);
    // Raw command on a pooled connection; the caller prefixes keys itself (prefix()).
    Result<RedisReply> command(const QList<QByteArray>& argv);

private:
    class Lease;
    std::unique_ptr<RedisClient> acquire();
    void release(std::unique_ptr<RedisClient> client);

    const RedisUrl m_url;
    const std::chrono::milliseconds m_connectTimeout;
    const std::chrono::milliseconds m_commandTimeout;
    QMutex m_poolMutex;
    std::vector<std::unique_ptr<RedisClient>> m_idle;
};

} // namespace authshield::server
