#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <functional>
#include <optional>

namespace authshield::server {

// Shared short-lived state: rate-limit windows, lockout counters, the access-token blocklist and the
// revocation channel. Redis in production (shared by every instance), in-process for the embedded default;
// both give the same answers, so callers never ask which one they have.
// Thread-safe: HTTP worker threads call it concurrently.
// Keys and channels are given without the namespace prefix; the store adds it (default "authshield:").
// A ttl of 0 means "no expiry". Failures of the backend are Error{ServiceUnavailable, …}.
class KeyValueStore
{
public:
    static QByteArray defaultPrefix() { return QByteArrayLiteral("authshield:"); }

    virtual ~KeyValueStore() = default;

    virtual QString backendName() const = 0; // "redis" | "in-process"
    QByteArray prefix() const { return m_prefix; }

    // Round-trip time of a trivial command (for /ready).
    virtual Result<std::chrono::microseconds> ping() = 0;

    virtual Result<std::optional<QByteArray>> get(const QByteArray& key) = 0;
    virtual Result<void> set(const QByteArray& key, const QByteArray& value, std::chrono::milliseconds ttl) = 0;
    // True when this call stored the value, false when the key already existed (it is left untouched).
    virtual Result<bool> setIfAbsent(const QByteArray& key, const QByteArray& value,
                                     std::chrono::milliseconds ttl) = 0;
    // Atomic add; a missing key counts as 0. ttl is applied only when this call creates the key,
    // so a fixed window is not extended by later increments.
    virtual Result<qint64> increment(const QByteArray& key, qint64 by, std::chrono::milliseconds ttl) = 0;
    // True when the key existed.
    virtual Result<bool> remove(const QByteArray& key) = 0;
    // Remaining lifetime like Redis PTTL: -1 ms = no expiry, -2 ms = no such key.
    virtual Result<std::chrono::milliseconds> ttl(const QByteArray& key) = 0;

    // Adds to a set. ttl > 0 makes the set live at least that long from now (extends, never shortens);
    // ttl 0 leaves the set's expiry as it is (a new set then never expires).
    virtual Result<void> addToSet(const QByteArray& key, const QByteArray& member, std::chrono::milliseconds ttl) = 0;
    virtual Result<QList<QByteArray>> setMembers(const QByteArray& key) = 0;

    // Delivered to every KeyValueSubscriber of this backend (all instances for Redis) subscribed to channel.
    virtual Result<void> publish(const QByteArray& channel, const QByteArray& message) = 0;

    // Called after every failed backend operation (metrics). Set once, before other threads use the store.
    void setErrorHook(std::function<void()> hook) { m_errorHook = std::move(hook); }

protected:
    void reportError() const
    {
        if (m_errorHook)
            m_errorHook();
    }
    explicit KeyValueStore(QByteArray prefix)
        : m_prefix(std::move(prefix))
    {
    }
    QByteArray prefixed(const QByteArray& key) const { return m_prefix + key; }

private:
    const QByteArray m_prefix;
    std::function<void()> m_errorHook;
};

} // namespace authshield::server
