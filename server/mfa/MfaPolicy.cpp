#include "server/mfa/MfaPolicy.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/ratelimit/SettingsSections.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/SettingsFollower.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
constexpr int kMaxRoles = 100;

QStringList sortedUnique(QStringList roles)
{
    roles.sort();
    roles.removeDuplicates();
    return roles;
}

Error invalid(const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, u"the MFA settings are not valid"_s);
    error.fields.insert(u"mfa.required_roles"_s, reason);
    return error;
}
} // namespace

MfaPolicy::MfaPolicy(QStringList defaultRequiredRoles, const Database& database, KeyValueStore& store,
                     const AuditLog& auditLog, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_defaults(sortedUnique(std::move(defaultRequiredRoles)))
    , m_database(database)
    , m_store(store)
    , m_auditLog(auditLog)
    , m_clock(clock)
    , m_requiredRoles(m_defaults)
    , m_reloadTimer(this)
{
}

MfaPolicy::~MfaPolicy() = default;

void MfaPolicy::start(std::chrono::milliseconds reloadInterval)
{
    if (Result<void> loaded = reload(); !loaded)
        Log::warning(u"settings"_s, u"MFA settings not loaded; using the configured defaults"_s,
                     {{u"error"_s, loaded.error().message}});
    m_subscriber = followSettings(this, m_store, m_reloadTimer, reloadInterval, [this] { (void)reload(); });
}

Result<QStringList> MfaPolicy::load() const
{
    SqlQuery row = m_database.prepare(u"SELECT value FROM settings WHERE key = :key"_s);
    row.bind(u":key"_s, settingsKey());
    if (Result<void> read = row.exec(); !read)
        return read.error();
    if (!row.next())
        return m_defaults;
    QStringList roles;
    for (const QJsonValue& role : QJsonDocument::fromJson(row.string(0).toUtf8()).object().value(u"required_roles"_s).toArray())
        roles.append(role.toString());
    return sortedUnique(roles);
}

void MfaPolicy::install(QStringList roles)
{
    bool changed = false;
    {
        QMutexLocker locker(&m_mutex);
        if (m_requiredRoles != roles) {
            m_requiredRoles = std::move(roles);
            changed = true;
        }
    }
    if (changed)
        Q_EMIT policyChanged();
}

Result<void> MfaPolicy::reload()
{
    Result<QStringList> loaded = load();
    if (!loaded) {
        Log::warning(u"settings"_s, u"MFA settings could not be reloaded; keeping the cached policy"_s,
                     {{u"error"_s, loaded.error().message}});
        return loaded.error();
    }
    install(std::move(loaded).value());
    return success();
}

QStringList MfaPolicy::requiredRoles() const
{
    QMutexLocker locker(&m_mutex);
    return m_requiredRoles;
}

bool MfaPolicy::isRequiredFor(const QStringList& roles) const
{
    const QStringList required = requiredRoles();
    for (const QString& role : roles) {
        if (required.contains(role))
            return true;
    }
    return false;
}

QJsonObject MfaPolicy::toJson() const
{
    return QJsonObject{{u"required_roles"_s, QJsonArray::fromStringList(requiredRoles())}};
}

Result<std::optional<QStringList>> MfaPolicy::validate(const QJsonObject& change) const
{
    for (auto it = change.begin(); it != change.end(); ++it) {
        if (it.key() != "required_roles"_L1) {
            Error error = Error::make(ErrorCode::ValidationFailed, u"the MFA settings are not valid"_s);
            error.fields.insert(u"mfa."_s + it.key(), u"unknown field"_s);
            return error;
        }
    }
    if (!change.contains(u"required_roles"_s))
        return std::optional<QStringList>();
    const QJsonValue value = change.value(u"required_roles"_s);
    if (!value.isArray() || value.toArray().size() > kMaxRoles)
        return invalid(u"must be a list of role names (at most %1)"_s.arg(kMaxRoles));
    QStringList roles;
    for (const QJsonValue& role : value.toArray()) {
        if (!role.isString() || role.toString().isEmpty())
            return invalid(u"must be a list of role names"_s);
        roles.append(role.toString());
    }
    roles = sortedUnique(roles);
    for (const QString& role : std::as_const(roles)) {
        SqlQuery exists = m_database.prepare(u"SELECT 1 FROM roles WHERE name = :name"_s);
        exists.bind(u":name"_s, role);
        if (Result<void> read = exists.exec(); !read)
            return read.error();
        if (!exists.next())
            return invalid(u"no such role: %1"_s.arg(role));
    }
    return std::optional<QStringList>(roles);
}

Result<QJsonObject> MfaPolicy::update(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin)
{
    Result<std::optional<QStringList>> validated = validate(change);
    if (!validated)
        return validated.error();
    if (!validated->has_value())
        return toJson();
    const QStringList roles = **validated;

    // Joins the caller's transaction (one PUT of every settings section), which reloads and announces after it.
    std::optional<Transaction> transaction;
    if (!m_database.inTransaction()) {
        Result<Transaction> begun = Transaction::begin(m_database);
        if (!begun)
            return begun.error();
        transaction.emplace(std::move(begun).value());
    }
    Result<QStringList> before = load();
    if (!before)
        return before.error();
    const QJsonObject stored{{u"required_roles"_s, QJsonArray::fromStringList(roles)}};
    SqlQuery upsert = m_database.prepare(
        u"INSERT INTO settings (key, value, updated_at, updated_by) VALUES (:key, :value, :at, :by) "
        u"ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
        u"updated_by = excluded.updated_by"_s);
    upsert.bind(u":key"_s, settingsKey())
        .bind(u":value"_s, QString::fromUtf8(QJsonDocument(stored).toJson(QJsonDocument::Compact)))
        .bind(u":at"_s, m_clock.now().toMSecsSinceEpoch());
    if (actorId.isEmpty())
        upsert.bindNull(u":by"_s);
    else
        upsert.bind(u":by"_s, actorId);
    if (Result<void> written = upsert.exec(); !written)
        return written.error();
    AuditEvent event;
    event.type = u"settings.mfa.changed"_s;
    event.actorId = actorId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.details = QJsonObject{{u"changes"_s,
                                 QJsonObject{{u"mfa.required_roles"_s,
                                              QJsonObject{{u"from"_s, QJsonArray::fromStringList(*before)},
                                                          {u"to"_s, QJsonArray::fromStringList(roles)}}}}}};
    if (Result<qint64> recorded = m_auditLog.record(event); !recorded)
        return recorded.error();
    if (!transaction)
        return stored;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();
    install(roles);
    if (Result<void> published = m_store.publish(QByteArrayLiteral("settings"), QByteArrayLiteral("mfa")); !published)
        Log::warning(u"settings"_s, u"could not notify other instances of the MFA settings change"_s,
                     {{u"error"_s, published.error().message}});
    return toJson();
}

namespace {

// Section "mfa" of GET/PUT /admin/settings/security.
class MfaSettingsSection final : public SettingsSection
{
public:
    explicit MfaSettingsSection(MfaPolicy& policy)
        : m_policy(policy)
    {
    }

    QString name() const override { return u"mfa"_s; }
    Result<QJsonObject> current() const override { return m_policy.toJson(); }
    Result<void> validate(const QJsonObject& change) const override
    {
        Result<std::optional<QStringList>> validated = m_policy.validate(change);
        if (!validated)
            return validated.error();
        return success();
    }
    Result<void> apply(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin) override
    {
        Result<QJsonObject> updated = m_policy.update(change, actorId, origin);
        if (!updated)
            return updated.error();
        return success();
    }
    void committed() override { (void)m_policy.reload(); }

private:
    MfaPolicy& m_policy;
};

} // namespace

std::unique_ptr<SettingsSection> makeMfaSettingsSection(MfaPolicy& policy)
{
    return std::make_unique<MfaSettingsSection>(policy);
}

} // namespace authshield::server
