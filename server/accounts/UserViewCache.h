#pragma once

#include "server/accounts/User.h"

#include <QHash>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

// Recently read users with their roles, so an authenticated read (GET /users/me) needs no database round trip
// while the view is fresh. Process-wide, because every UserRepository in the process drops a user's entry when it
// writes that user; the freshness window bounds how long another instance's write can go unseen (the same
// order as revocation's push). Bounded: past the capacity the cache starts over. Thread-safe.
class UserViewCache
{
public:
    struct View
    {
        User user;
        QStringList roles;
    };

    static constexpr qint64 kFreshMs = 1000;
    static constexpr int kCapacity = 100000;

    static UserViewCache& instance();

    std::optional<View> find(const QString& userId, qint64 nowMs) const;
    void store(const QString& userId, View view, qint64 nowMs);
    void invalidate(const QString& userId);

private:
    struct Entry
    {
        View view;
        qint64 storedAtMs = 0;
    };
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries;
};

} // namespace authshield::server
