#include "server/ratelimit/SettingsSections.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonDocument>

namespace authshield::server {

namespace {
Error validationError()
{
    return Error::make(ErrorCode::ValidationFailed, QStringLiteral("the settings are not valid"));
}

// SecurityPolicy names its fields "ratelimit.<policy>.<key>"; the admin document calls the section rate_limits.
Error renamed(Error error, const QString& from, const QString& to)
{
    QMap<QString, QString> fields;
    for (auto it = error.fields.constBegin(); it != error.fields.constEnd(); ++it) {
        QString key = it.key();
        if (key.startsWith(from))
            key = to + key.mid(from.size());
        fields.insert(key, it.value());
    }
    error.fields = fields;
    return error;
}

class PolicySection final : public SettingsSection
{
public:
    PolicySection(SecuritySettings& settings, QString name, QString policyKey)
        : m_settings(settings)
        , m_name(std::move(name))
        , m_policyKey(std::move(policyKey))
    {
    }

    QString name() const override { return m_name; }

    Result<QJsonObject> current() const override
    {
        const auto policy = m_settings.current();
        return m_policyKey == QLatin1String("ratelimit") ? policy->rateLimitsJson() : policy->lockoutJson();
    }

    Result<void> validate(const QJsonObject& change) const override
    {
        Result<SecurityPolicy> changed = m_settings.current()->changedBy(QJsonObject { { m_policyKey, change } });
        if (!changed)
            return renamed(changed.error(), m_policyKey + QLatin1Char('.'), m_name + QLatin1Char('.'));
        return success();
    }

    Result<void> apply(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin) override
    {
        Result<SecurityPolicy> updated = m_settings.update(QJsonObject { { m_policyKey, change } }, actorId, origin);
        if (!updated)
            return renamed(updated.error(), m_policyKey + QLatin1Char('.'), m_name + QLatin1Char('.'));
        return success();
    }

private:
    SecuritySettings& m_settings;
    const QString m_name;
    const QString m_policyKey;
};

class StoredSection final : public SettingsSection
{
public:
    StoredSection(QString name, QList<IntegerSetting> fields, const Database& database, const AuditLog& audit,
                  const Clock& clock)
        : m_name(std::move(name))
        , m_fields(std::move(fields))
        , m_database(database)
        , m_audit(audit)
        , m_clock(clock)
    {
    }

    QString name() const override { return m_name; }
    QString rowKey() const { return QStringLiteral("security.") + m_name; }

    Result<QJsonObject> current() const override
    {
        SqlQuery row = m_database.prepare(QStringLiteral("SELECT value FROM settings WHERE key = :key"));
        row.bind(QStringLiteral(":key"), rowKey());
        if (Result<void> read = row.exec(); !read)
            return read.error();
        const QJsonObject stored
            = row.next() ? QJsonDocument::fromJson(row.string(0).toUtf8()).object() : QJsonObject();
        QJsonObject values;
        for (const IntegerSetting& field : m_fields) {
            const QJsonValue value = stored.value(field.key);
            values.insert(field.key, value.isDouble() ? value.toInteger() : field.defaultValue);
        }
        return values;
    }

    Result<void> validate(const QJsonObject& change) const override
    {
        Error problems = validationError();
        for (auto it = change.constBegin(); it != change.constEnd(); ++it) {
            const auto field = std::find_if(m_fields.cbegin(), m_fields.cend(),
                                            [&](const IntegerSetting& f) { return f.key == it.key(); });
            const QString path = m_name + QLatin1Char('.') + it.key();
            if (field == m_fields.cend()) {
                problems.fields.insert(path, QStringLiteral("unknown setting"));
                continue;
            }
            const double number = it->toDouble(-1);
            if (!it->isDouble() || number != static_cast<double>(static_cast<qint64>(number)) || number < field->min
                || number > field->max)
                problems.fields.insert(path, QStringLiteral("must be an integer between %1 and %2")
                                                 .arg(field->min)
                                                 .arg(field->max));
        }
        if (!problems.fields.isEmpty())
            return problems;
        return success();
    }

    Result<void> apply(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin) override
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        Result<QJsonObject> before = current();
        if (!before)
            return before.error();
        QJsonObject after = *before;
        QJsonObject changes;
        for (auto it = change.constBegin(); it != change.constEnd(); ++it) {
            if (before->value(it.key()).toInteger() != it->toInteger())
                changes.insert(m_name + QLatin1Char('.') + it.key(),
                               QJsonObject { { QStringLiteral("from"), before->value(it.key()) },
                                             { QStringLiteral("to"), it->toInteger() } });
            after.insert(it.key(), it->toInteger());
        }
        SqlQuery upsert = m_database.prepare(QStringLiteral(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (:key, :value, :at, :by) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by"));
        upsert.bind(QStringLiteral(":key"), rowKey())
            .bind(QStringLiteral(":value"), QString::fromUtf8(QJsonDocument(after).toJson(QJsonDocument::Compact)))
            .bind(QStringLiteral(":at"), m_clock.now().toMSecsSinceEpoch())
            .bind(QStringLiteral(":by"), actorId);
        if (Result<void> stored = upsert.exec(); !stored)
            return stored;
        AuditEvent event { QStringLiteral("settings.security.changed"), actorId, QString(), origin.ip,
                           origin.userAgent, origin.requestId, QStringLiteral("success"),
                           QJsonObject { { QStringLiteral("changes"), changes } } };
        if (Result<qint64> recorded = m_audit.record(event); !recorded)
            return recorded.error();
        return tx->commit();
    }

private:
    const QString m_name;
    const QList<IntegerSetting> m_fields;
    const Database& m_database;
    const AuditLog& m_audit;
    const Clock& m_clock;
};
} // namespace

void SettingsRegistry::add(std::unique_ptr<SettingsSection> section)
{
    m_sections.push_back(std::move(section));
}

QStringList SettingsRegistry::names() const
{
    QStringList names;
    for (const auto& section : m_sections)
        names.append(section->name());
    return names;
}

SettingsSection* SettingsRegistry::find(const QString& name) const
{
    for (const auto& section : m_sections)
        if (section->name() == name)
            return section.get();
    return nullptr;
}

Result<QJsonObject> SettingsRegistry::snapshot() const
{
    QJsonObject document;
    for (const auto& section : m_sections) {
        Result<QJsonObject> values = section->current();
        if (!values)
            return values.error();
        document.insert(section->name(), *values);
    }
    return document;
}

Result<QJsonObject> SettingsRegistry::update(const QJsonObject& body, const QString& actorId,
                                             const RequestOrigin& origin)
{
    Error problems = validationError();
    for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
        const SettingsSection* section = find(it.key());
        if (!section) {
            problems.fields.insert(it.key(), QStringLiteral("unknown settings section"));
            continue;
        }
        if (!it->isObject()) {
            problems.fields.insert(it.key(), QStringLiteral("must be an object"));
            continue;
        }
        if (Result<void> valid = section->validate(it->toObject()); !valid) {
            if (valid.error().code != ErrorCode::ValidationFailed)
                return valid.error();
            for (auto field = valid.error().fields.constBegin(); field != valid.error().fields.constEnd(); ++field)
                problems.fields.insert(field.key(), field.value());
        }
    }
    if (!problems.fields.isEmpty())
        return problems;
    for (auto it = body.constBegin(); it != body.constEnd(); ++it)
        if (Result<void> applied = find(it.key())->apply(it->toObject(), actorId, origin); !applied)
            return applied.error();
    return snapshot();
}

std::unique_ptr<SettingsSection> makeRateLimitSection(SecuritySettings& settings)
{
    return std::make_unique<PolicySection>(settings, QStringLiteral("rate_limits"), QStringLiteral("ratelimit"));
}

std::unique_ptr<SettingsSection> makeLockoutSection(SecuritySettings& settings)
{
    return std::make_unique<PolicySection>(settings, QStringLiteral("lockout"), QStringLiteral("lockout"));
}

std::unique_ptr<SettingsSection> makeStoredSection(const QString& name, QList<IntegerSetting> fields,
                                                   const Database& database, const AuditLog& audit,
                                                   const Clock& clock)
{
    return std::make_unique<StoredSection>(name, std::move(fields), database, audit, clock);
}

} // namespace authshield::server
