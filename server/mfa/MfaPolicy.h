#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class KeyValueStore;
class KeyValueSubscriber;

// The live "require MFA for roles" setting of every instance: [mfa] required_roles is the default, the settings
// row "mfa.policy" {"required_roles":[…]} overrides it. Cached; reloaded when any instance publishes on the
// "settings" channel, every reloadInterval and after a reconnect (as SecuritySettings does).
class SettingsSection;

class MfaPolicy final : public QObject
{
    Q_OBJECT

public:
    static QString settingsKey() { return QStringLiteral("mfa.policy"); }

    MfaPolicy(QStringList defaultRequiredRoles, const Database& database, KeyValueStore& store,
              const AuditLog& auditLog, const Clock& clock, QObject* parent);
    ~MfaPolicy() override;

    void start(std::chrono::milliseconds reloadInterval = std::chrono::seconds(30));
    Result<void> reload();

    QStringList requiredRoles() const;
    bool isRequiredFor(const QStringList& roles) const;

    // Section "mfa" of GET /admin/settings/security: {"required_roles":[…]}.
    QJsonObject toJson() const;
    // PUT: {"required_roles":[…]} (every role must exist). Stored with the audit event settings.mfa.changed in one
    // transaction; every instance is told. Error{ValidationFailed} with field "mfa.required_roles" otherwise.
    Result<QJsonObject> update(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin);
    // The checks of update() without storing: the roles a change would set (nullopt: it sets nothing).
    Result<std::optional<QStringList>> validate(const QJsonObject& change) const;

Q_SIGNALS:
    void policyChanged();

private:
    Result<QStringList> load() const;
    void install(QStringList roles);

    const QStringList m_defaults;
    const Database& m_database;
    KeyValueStore& m_store;
    const AuditLog& m_auditLog;
    const Clock& m_clock;
    mutable QMutex m_mutex;
    QStringList m_requiredRoles;
    KeyValueSubscriber* m_subscriber = nullptr;
    QTimer m_reloadTimer;
};

// Section "mfa" ({"required_roles":[…]}) of GET/PUT /admin/settings/security.
std::unique_ptr<SettingsSection> makeMfaSettingsSection(MfaPolicy& policy);

} // namespace authshield::server
