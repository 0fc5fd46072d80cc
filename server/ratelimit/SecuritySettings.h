#pragma once

#include "server/audit/AuditEvent.h"
#include "server/ratelimit/SecurityPolicy.h"
#include "shared/Result.h"

#include <QMutex>
#include <QObject>
#include <QTimer>

#include <memory>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class KeyValueStore;
class KeyValueSubscriber;

// The live security policy (rate limits, lockout) of every instance. The config file gives the defaults; the
// settings table overrides them. Every instance caches the policy, reloads it when any instance publishes a
// change on the key-value store's "settings" channel, and — as a safety net for messages lost while Redis was
// away — every reloadInterval and after each reconnect.
class SecuritySettings final : public QObject
{
    Q_OBJECT

public:
    static QByteArray channel() { return QByteArrayLiteral("settings"); }
    static QString rateLimitKey() { return QStringLiteral("security.ratelimit"); }
    static QString lockoutKey() { return QStringLiteral("security.lockout"); }

    SecuritySettings(SecurityPolicy defaults, const Database& database, KeyValueStore& store,
                     const AuditLog& auditLog, const Clock& clock, QObject* parent);
    ~SecuritySettings() override;

    // Loads the stored policy, then listens for changes (in the calling thread's event loop).
    void start(std::chrono::milliseconds reloadInterval = std::chrono::seconds(30));

    std::shared_ptr<const SecurityPolicy> current() const; // cheap: one mutex-guarded shared_ptr copy
    const SecurityPolicy& defaults() const { return m_defaults; }

    // Re-reads the settings table. On failure the cached policy stays in force.
    Result<void> reload();

    // The domain operation behind PUT /admin/settings/security: validates the partial change, stores it with
    // the audit event settings.security.changed in one transaction, and tells every instance. Inside the caller's
    // open transaction it only stores: the caller reloads and announce()s after committing.
    Result<SecurityPolicy> update(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin);

    // Tells every instance (this one included) to reload its settings.
    void announce();

Q_SIGNALS:
    void policyChanged();

private:
    Result<SecurityPolicy> load() const;
    void install(SecurityPolicy policy);

    const SecurityPolicy m_defaults;
    const Database& m_database;
    KeyValueStore& m_store;
    const AuditLog& m_auditLog;
    const Clock& m_clock;
    mutable QMutex m_mutex;
    std::shared_ptr<const SecurityPolicy> m_current;
    KeyValueSubscriber* m_subscriber = nullptr;
    QTimer m_reloadTimer;
};

} // namespace authshield::server
