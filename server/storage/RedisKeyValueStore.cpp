#include "server/storage/RedisKeyValueStore.h"

#include <QElapsedTimer>

namespace authshield::server {

namespace {

// INCRBY and "expire only if we created it" must be one step, or a crash between them leaves a
// counter that never expires (a permanent lockout).
const QByteArray incrementScript = QByteArrayLiteral(
    "local existed = redis.call('EXISTS', KEYS[1])\n"
    "local value = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    "if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
    "return value\n");

const QByteArray addToSetScript = QByteArrayLiteral(
    "local existed = redis.call('EXISTS', KEYS[1])\n"
    "redis.call('SADD', KEYS[1], ARGV[1])\n"
    "local wanted = tonumber(ARGV[2])\n"
    "if wanted > 0 then\n"
    "  local current = redis.call('PTTL', KEYS[1])\n"
    "  if existed == 0 or (current >= 0 and current < wanted) then redis.call('PEXPIRE', KEYS[1], wanted) end\n"
    "end\n"
    "return 1\n");

Error unexpected(const char* what)
{
    return Error::make(ErrorCode::Internal, QStringLiteral("unexpected redis reply to ") + QLatin1String(what));
}

} // namespace

// Returns the client to the pool when a call is done, also on early returns.
class RedisKeyValueStore::Lease
{
public:
    explicit Lease(RedisKeyValueStore& store)
        : m_store(store)
        , m_client(store.acquire())
    {
    }
    ~Lease() { m_store.release(std::move(m_client)); }
    RedisClient* operator->() const { return m_client.get(); }

private:
    RedisKeyValueStore& m_store;
    std::unique_ptr<RedisClient> m_client;
};

RedisKeyValueStore::RedisKeyValueStore(RedisUrl url, std::chrono::milliseconds connectTimeout,
                                       std::chrono::milliseconds commandTimeout, QByteArray prefix)
    : KeyValueStore(std::move(prefix))
    , m_url(std::move(url))
    , m_connectTimeout(connectTimeout)
    , m_commandTimeout(commandTimeout)
{
}

RedisKeyValueStore::~RedisKeyValueStore() = default;

std::unique_ptr<RedisClient> RedisKeyValueStore::acquire()
{
    {
        QMutexLocker locker(&m_poolMutex);
        if (!m_idle.empty()) {
            auto client = std::move(m_idle.back());
            m_idle.pop_back();
            return client;
        }
    }
    return std::make_unique<RedisClient>(m_url, m_connectTimeout, m_commandTimeout);
}

void RedisKeyValueStore::release(std::unique_ptr<RedisClient> client)
{
    QMutexLocker locker(&m_poolMutex);
    m_idle.push_back(std::move(client));
}

Result<RedisReply> RedisKeyValueStore::command(const QList<QByteArray>& argv)
{
    Lease client(*this);
    Result<RedisReply> reply = client->command(argv);
    if (!reply)
        reportError();
    return reply;
}

Result<RedisReply> RedisKeyValueStore::evalScript(const QByteArray& script, const QList<QByteArray>& keys,
                                                  const QList<QByteArray>& args)
{
    QList<QByteArray> fullKeys;
    fullKeys.reserve(keys.size());
    for (const QByteArray& key : keys)
        fullKeys.append(prefixed(key));
    Lease client(*this);
    Result<RedisReply> reply = client->evalScript(script, fullKeys, args);
    if (!reply)
        reportError();
    return reply;
}

Result<std::chrono::microseconds> RedisKeyValueStore::ping()
{
    QElapsedTimer timer;
    timer.start();
    const auto reply = command({QByteArrayLiteral("PING")});
    if (!reply)
        return reply.error();
    return std::chrono::microseconds(timer.nsecsElapsed() / 1000);
}

Result<std::optional<QByteArray>> RedisKeyValueStore::get(const QByteArray& key)
{
    const auto reply = command({QByteArrayLiteral("GET"), prefixed(key)});
    if (!reply)
        return reply.error();
    if (reply->isNil())
        return std::optional<QByteArray>();
    if (!reply->isString())
        return unexpected("GET");
    return std::optional<QByteArray>(reply->string);
}

Result<void> RedisKeyValueStore::set(const QByteArray& key, const QByteArray& value, std::chrono::milliseconds ttl)
{
    QList<QByteArray> argv{QByteArrayLiteral("SET"), prefixed(key), value};
    if (ttl.count() > 0)
        argv << QByteArrayLiteral("PX") << QByteArray::number(ttl.count());
    const auto reply = command(argv);
    if (!reply)
        return reply.error();
    return success();
}

Result<bool> RedisKeyValueStore::setIfAbsent(const QByteArray& key, const QByteArray& value,
                                             std::chrono::milliseconds ttl)
{
    QList<QByteArray> argv{QByteArrayLiteral("SET"), prefixed(key), value, QByteArrayLiteral("NX")};
    if (ttl.count() > 0)
        argv << QByteArrayLiteral("PX") << QByteArray::number(ttl.count());
    const auto reply = command(argv);
    if (!reply)
        return reply.error();
    return !reply->isNil();
}

Result<qint64> RedisKeyValueStore::increment(const QByteArray& key, qint64 by, std::chrono::milliseconds ttl)
{
    const auto reply = evalScript(incrementScript, {key},
                                  {QByteArray::number(by), QByteArray::number(qMax<qint64>(0, ttl.count()))});
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Integer)
        return unexpected("INCRBY");
    return reply->integer;
}

Result<bool> RedisKeyValueStore::remove(const QByteArray& key)
{
    const auto reply = command({QByteArrayLiteral("DEL"), prefixed(key)});
    if (!reply)
        return reply.error();
    return reply->integer > 0;
}

Result<std::chrono::milliseconds> RedisKeyValueStore::ttl(const QByteArray& key)
{
    const auto reply = command({QByteArrayLiteral("PTTL"), prefixed(key)});
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Integer)
        return unexpected("PTTL");
    return std::chrono::milliseconds(reply->integer);
}

Result<void> RedisKeyValueStore::addToSet(const QByteArray& key, const QByteArray& member,
                                          std::chrono::milliseconds ttl)
{
    const auto reply =
        evalScript(addToSetScript, {key}, {member, QByteArray::number(qMax<qint64>(0, ttl.count()))});
    if (!reply)
        return reply.error();
    return success();
}

Result<QList<QByteArray>> RedisKeyValueStore::setMembers(const QByteArray& key)
{
    const auto reply = command({QByteArrayLiteral("SMEMBERS"), prefixed(key)});
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array)
        return unexpected("SMEMBERS");
    QList<QByteArray> members;
    members.reserve(reply->elements.size());
    for (const RedisReply& element : reply->elements)
        members.append(element.string);
    return members;
}

Result<void> RedisKeyValueStore::publish(const QByteArray& channel, const QByteArray& message)
{
    const auto reply = command({QByteArrayLiteral("PUBLISH"), prefixed(channel), message});
    if (!reply)
        return reply.error();
    return success();
}

} // namespace authshield::server
