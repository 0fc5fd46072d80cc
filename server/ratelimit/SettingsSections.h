#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>

#include <memory>
#include <vector>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class SecuritySettings;

// One section of the live security settings document ({"rate_limits":{…},"lockout":{…},…}) behind
// GET/PUT /admin/settings/security. Another feature adds its own ("mfa": {required_roles}) by registering one
// more SettingsSection with SettingsRegistry; nothing else changes.
class SettingsSection
{
public:
    virtual ~SettingsSection() = default;
    virtual QString name() const = 0;
    // The values in force, as the section's JSON.
    virtual Result<QJsonObject> current() const = 0;
    // Checks a partial change without storing it: Error{ValidationFailed} with fields "<section>.<key>…".
    virtual Result<void> validate(const QJsonObject& change) const = 0;
    // Stores a validated change, audited, and tells every instance.
    virtual Result<void> apply(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin) = 0;
};

// The registered sections. update() validates every section of the body first (one 422 names every bad field,
// nothing stored), then applies them section by section.
class SettingsRegistry
{
public:
    void add(std::unique_ptr<SettingsSection> section);
    QStringList names() const;
    SettingsSection* find(const QString& name) const;
    Result<QJsonObject> snapshot() const;
    Result<QJsonObject> update(const QJsonObject& body, const QString& actorId, const RequestOrigin& origin);

private:
    std::vector<std::unique_ptr<SettingsSection>> m_sections;
};

// rate_limits and lockout: the SecuritySettings policy (already live on every instance through pub/sub).
std::unique_ptr<SettingsSection> makeRateLimitSection(SecuritySettings& settings);
std::unique_ptr<SettingsSection> makeLockoutSection(SecuritySettings& settings);

// A section of integer fields stored as one JSON row in the settings table ("security.<name>"), audited as
// settings.security.changed; read from the database on every current() (cheap, and the same on every instance).
struct IntegerSetting
{
    QString key;
    qint64 defaultValue = 0;
    qint64 min = 0;
    qint64 max = 0;
};
std::unique_ptr<SettingsSection> makeStoredSection(const QString& name, QList<IntegerSetting> fields,
                                                   const Database& database, const AuditLog& audit,
                                                   const Clock& clock);

} // namespace authshield::server
