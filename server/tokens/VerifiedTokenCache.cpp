#include "server/tokens/VerifiedTokenCache.h"

#include <QMutexLocker>

namespace authshield::server {

VerifiedTokenCache::VerifiedTokenCache(int capacity)
    : m_capacity(qMax(1, capacity))
{
    m_slots.resize(static_cast<size_t>(m_capacity));
    m_index.reserve(m_capacity);
}

std::optional<AccessTokenClaims> VerifiedTokenCache::find(const QByteArray& token)
{
    QMutexLocker locker(&m_mutex);
    const auto it = m_index.constFind(token);
    if (it == m_index.constEnd())
        return std::nullopt;
    Slot& slot = m_slots[static_cast<size_t>(it.value())];
    slot.referenced = true;
    return slot.claims;
}

void VerifiedTokenCache::insert(const QByteArray& token, const AccessTokenClaims& claims)
{
    QMutexLocker locker(&m_mutex);
    if (const auto it = m_index.constFind(token); it != m_index.constEnd()) {
        m_slots[static_cast<size_t>(it.value())].claims = claims;
        return;
    }
    // CLOCK: sweep from the hand, giving referenced slots a second chance; at most two turns.
    for (int steps = 0; steps < 2 * m_capacity; ++steps) {
        Slot& slot = m_slots[static_cast<size_t>(m_hand)];
        if (slot.used && slot.referenced) {
            slot.referenced = false;
            m_hand = (m_hand + 1) % m_capacity;
            continue;
        }
        break;
    }
    Slot& victim = m_slots[static_cast<size_t>(m_hand)];
    if (victim.used)
        m_index.remove(victim.token);
    victim.token = token;
    victim.claims = claims;
    victim.referenced = false;
    victim.used = true;
    m_index.insert(token, m_hand);
    m_hand = (m_hand + 1) % m_capacity;
}

int VerifiedTokenCache::size() const
{
    QMutexLocker locker(&m_mutex);
    return static_cast<int>(m_index.size());
}

} // namespace authshield::server
