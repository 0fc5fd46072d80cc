#include "server/accounts/UserViewCache.h"

namespace authshield::server {

UserViewCache& UserViewCache::instance()
{
    static UserViewCache cache;
    return cache;
}

std::optional<UserViewCache::View> UserViewCache::find(const QString& userId, qint64 nowMs) const
{
    QMutexLocker locker(&m_mutex);
    const auto it = m_entries.constFind(userId);
    // A clock that went backwards makes the entry stale too.
    if (it == m_entries.cend() || nowMs - it->storedAtMs >= kFreshMs || nowMs < it->storedAtMs)
        return std::nullopt;
    return it->view;
}

void UserViewCache::store(const QString& userId, View view, qint64 nowMs)
{
    QMutexLocker locker(&m_mutex);
    if (m_entries.size() >= kCapacity && !m_entries.contains(userId))
        m_entries.clear();
    m_entries.insert(userId, Entry{std::move(view), nowMs});
}

void UserViewCache::invalidate(const QString& userId)
{
    QMutexLocker locker(&m_mutex);
    m_entries.remove(userId);
}

} // namespace authshield::server
