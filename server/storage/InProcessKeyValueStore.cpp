#include "server/storage/InProcessKeyValueStore.h"

#include "server/core/Clock.h"
#include "server/storage/InProcessPubSub.h"

#include <QElapsedTimer>

namespace authshield::server {

namespace {

// Same texts as Redis, so logs and tests read alike on both backends.
Error wrongType()
{
    return Error::make(ErrorCode::Internal,
                       QStringLiteral("redis error: WRONGTYPE Operation against a key holding the wrong kind of value"));
}

Error notAnInteger()
{
    return Error::make(ErrorCode::Internal, QStringLiteral("redis error: ERR value is not an integer or out of range"));
}

} // namespace

InProcessKeyValueStore::InProcessKeyValueStore(const Clock& clock, QByteArray prefix)
    : KeyValueStore(std::move(prefix))
    , m_clock(clock)
    , m_pubSub(std::make_shared<InProcessPubSub>())
{
}

InProcessKeyValueStore::~InProcessKeyValueStore() = default;

qint64 InProcessKeyValueStore::purgeExpired() const
{
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    while (!m_expiries.empty() && m_expiries.begin()->first <= nowMs) {
        const auto first = m_expiries.begin();
        const auto entry = m_entries.constFind(first->second);
        if (entry != m_entries.cend() && entry->expiresAtMs == first->first)
            m_entries.erase(entry);
        m_expiries.erase(first);
    }
    return nowMs;
}

void InProcessKeyValueStore::setExpiry(const QByteArray& fullKey, Entry& entry, qint64 nowMs,
                                       std::chrono::milliseconds ttl)
{
    if (ttl.count() <= 0) {
        entry.expiresAtMs = 0;
        return;
    }
    entry.expiresAtMs = nowMs + ttl.count();
    m_expiries.emplace(entry.expiresAtMs, fullKey);
}

qsizetype InProcessKeyValueStore::size() const
{
    QMutexLocker locker(&m_mutex);
    purgeExpired();
    return m_entries.size();
}

Result<std::chrono::microseconds> InProcessKeyValueStore::ping()
{
    QElapsedTimer timer;
    timer.start();
    QMutexLocker locker(&m_mutex);
    purgeExpired();
    return std::chrono::microseconds(timer.nsecsElapsed() / 1000);
}

Result<std::optional<QByteArray>> InProcessKeyValueStore::get(const QByteArray& key)
{
    QMutexLocker locker(&m_mutex);
    purgeExpired();
    const auto it = m_entries.constFind(prefixed(key));
    if (it == m_entries.cend())
        return std::optional<QByteArray>();
    if (it->isSet)
        return wrongType();
    return std::optional<QByteArray>(it->value);
}

Result<void> InProcessKeyValueStore::set(const QByteArray& key, const QByteArray& value,
                                         std::chrono::milliseconds ttl)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = purgeExpired();
    const QByteArray fullKey = prefixed(key);
    Entry& entry = m_entries[fullKey];
    entry = Entry{};
    entry.value = value;
    setExpiry(fullKey, entry, nowMs, ttl);
    return success();
}

Result<bool> InProcessKeyValueStore::setIfAbsent(const QByteArray& key, const QByteArray& value,
                                                 std::chrono::milliseconds ttl)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = purgeExpired();
    const QByteArray fullKey = prefixed(key);
    if (m_entries.contains(fullKey))
        return false;
    Entry& entry = m_entries[fullKey];
    entry.value = value;
    setExpiry(fullKey, entry, nowMs, ttl);
    return true;
}

Result<qint64> InProcessKeyValueStore::increment(const QByteArray& key, qint64 by, std::chrono::milliseconds ttl)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = purgeExpired();
    const QByteArray fullKey = prefixed(key);
    auto it = m_entries.find(fullKey);
    if (it == m_entries.end()) {
        Entry& entry = m_entries[fullKey];
        entry.value = QByteArray::number(by);
        setExpiry(fullKey, entry, nowMs, ttl);
        return by;
    }
    if (it->isSet)
        return wrongType();
    bool isNumber = false;
    const qint64 current = it->value.toLongLong(&isNumber);
    qint64 next = 0;
    if (!isNumber || __builtin_add_overflow(current, by, &next))
        return notAnInteger();
    it->value = QByteArray::number(next);
    return next;
}

Result<bool> InProcessKeyValueStore::remove(const QByteArray& key)
{
    QMutexLocker locker(&m_mutex);
    purgeExpired();
    return m_entries.remove(prefixed(key)) > 0;
}

Result<std::chrono::milliseconds> InProcessKeyValueStore::ttl(const QByteArray& key)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = purgeExpired();
    const auto it = m_entries.constFind(prefixed(key));
    if (it == m_entries.cend())
        return std::chrono::milliseconds(-2);
    if (it->expiresAtMs == 0)
        return std::chrono::milliseconds(-1);
    return std::chrono::milliseconds(it->expiresAtMs - nowMs);
}

Result<void> InProcessKeyValueStore::addToSet(const QByteArray& key, const QByteArray& member,
                                              std::chrono::milliseconds ttl)
{
    QMutexLocker locker(&m_mutex);
    const qint64 nowMs = purgeExpired();
    const QByteArray fullKey = prefixed(key);
    auto it = m_entries.find(fullKey);
    if (it == m_entries.end()) {
        Entry& entry = m_entries[fullKey];
        entry.isSet = true;
        entry.members.insert(member);
        setExpiry(fullKey, entry, nowMs, ttl);
        return success();
    }
    if (!it->isSet)
        return wrongType();
    it->members.insert(member);
    if (ttl.count() > 0 && it->expiresAtMs != 0 && it->expiresAtMs < nowMs + ttl.count())
        setExpiry(fullKey, *it, nowMs, ttl);
    return success();
}

Result<QList<QByteArray>> InProcessKeyValueStore::setMembers(const QByteArray& key)
{
    QMutexLocker locker(&m_mutex);
    purgeExpired();
    const auto it = m_entries.constFind(prefixed(key));
    if (it == m_entries.cend())
        return QList<QByteArray>();
    if (!it->isSet)
        return wrongType();
    return it->members.values();
}

Result<void> InProcessKeyValueStore::publish(const QByteArray& channel, const QByteArray& message)
{
    m_pubSub->publish(prefixed(channel), message);
    return success();
}

} // namespace authshield::server
