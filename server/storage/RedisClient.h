#pragma once

#include "server/storage/RedisReply.h"
#include "server/storage/RedisUrl.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <chrono>

struct redisContext;

namespace authshield::server {

// One blocking connection to Redis over hiredis. NOT thread-safe: use one per thread at a time
// (RedisKeyValueStore hands them out). Every call is bounded: the connect timeout while connecting,
// the command timeout per command. After any I/O error the connection is dropped and re-made on a later
// call, at most once per reconnect interval; calls in between fail at once with ServiceUnavailable, so an
// outage never parks a worker thread.
class RedisClient
{
public:
    static constexpr std::chrono::milliseconds reconnectInterval{250};

    RedisClient(RedisUrl url, std::chrono::milliseconds connectTimeout, std::chrono::milliseconds commandTimeout);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Error replies from Redis become Error{Internal, "redis error: …"}; connection problems
    // Error{ServiceUnavailable, "redis unavailable: …"}.
    Result<RedisReply> command(const QList<QByteArray>& argv);
    // Runs a Lua script by EVALSHA (SHA-1 cached per client); loads it with EVAL when Redis answers NOSCRIPT.
    Result<RedisReply> evalScript(const QByteArray& script, const QList<QByteArray>& keys,
                                  const QList<QByteArray>& args);

    bool isConnected() const { return m_context != nullptr; }
    void disconnect();

private:
    Result<void> ensureConnected();
    // Sends one command on the live connection; Redis error replies come back as RedisReply::Type::Error.
    Result<RedisReply> exchange(const QList<QByteArray>& argv);
    Error unavailable(const QString& why);

    RedisUrl m_url;
    std::chrono::milliseconds m_connectTimeout;
    std::chrono::milliseconds m_commandTimeout;
    redisContext* m_context = nullptr;
    bool m_contextReused = false; // false right after connecting: a failure then is not a stale connection
    bool m_lastFailureWasClose = false; // the peer closed/reset the connection (vs. timeout or refusal)
    std::chrono::steady_clock::time_point m_nextConnectAttempt{};
    QString m_lastError;
    QHash<QByteArray, QByteArray> m_scriptShas; // script text -> SHA-1 hex
};

} // namespace authshield::server
