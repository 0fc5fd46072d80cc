#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>

namespace authshield::server {

class Database;
class KeyValueStore;
class KeyValueSubscriber;

// The live token lifetimes of every instance: [tokens] access_ttl / refresh_ttl are the defaults, the settings row
// "security.tokens" ({"access_ttl":…,"refresh_ttl":…}, section "tokens" of PUT /admin/settings/security) overrides
// them. Cached; reloaded when any instance publishes on the "settings" channel, every reloadInterval and after a
// reconnect (as SecuritySettings does).
// The live access_ttl never exceeds the configured one: SigningKeyStore keeps a retired key verifiable, and
// RevocationList keeps a revocation, only for the configured access_ttl plus a margin, so a longer token could
// outlive both. Shortening is always safe.
class TokenLifetimes final : public QObject
{
    Q_OBJECT

public:
    static QString settingsKey() { return QStringLiteral("security.tokens"); }
    static constexpr std::chrono::seconds kMinAccessTtl { 60 };

    TokenLifetimes(const TokensConfig& config, const Database& database, KeyValueStore& store, QObject* parent);
    ~TokenLifetimes() override;

    void start(std::chrono::milliseconds reloadInterval = std::chrono::seconds(30));
    // Re-reads the settings row. On failure the cached values stay in force.
    Result<void> reload();

    std::chrono::seconds accessTtl() const { return std::chrono::seconds(m_accessTtl.load()); }
    std::chrono::seconds refreshTtl() const { return std::chrono::seconds(m_refreshTtl.load()); }
    // The largest access_ttl the key store and the revocation list can honour.
    std::chrono::seconds maxAccessTtl() const { return m_config.accessTtl; }

private:
    const TokensConfig m_config;
    const Database& m_database;
    KeyValueStore& m_store;
    std::atomic<qint64> m_accessTtl;
    std::atomic<qint64> m_refreshTtl;
    KeyValueSubscriber* m_subscriber = nullptr;
    QTimer m_reloadTimer;
};

} // namespace authshield::server
