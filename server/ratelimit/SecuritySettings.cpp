#include "server/ratelimit/SecuritySettings.h"

#include <optional>

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/SettingsFollower.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonDocument>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
Result<void> storeRow(const Database& database, const QString& key, const QJsonObject& value, qint64 nowMs,
                      const QString& actorId)
{
    SqlQuery upsert = database.prepare(
        u"INSERT INTO settings (key, value, updated_at, updated_by) VALUES (:key, :value, :at, :by) "
        u"ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
        u"updated_by = excluded.updated_by"_s);
    upsert.bind(u":key"_s, key)
        .bind(u":value"_s, QString::fromUtf8(QJsonDocument(value).toJson(QJsonDocument::Compact)))
        .bind(u":at"_s, nowMs);
    if (actorId.isEmpty())
        upsert.bindNull(u":by"_s);
    else
        upsert.bind(u":by"_s, actorId);
    return upsert.exec();
}
} // namespace

SecuritySettings::SecuritySettings(SecurityPolicy defaults, const Database& database, KeyValueStore& store,
                                   const AuditLog& auditLog, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_defaults(std::move(defaults))
    , m_database(database)
    , m_store(store)
    , m_auditLog(auditLog)
    , m_clock(clock)
    , m_current(std::make_shared<const SecurityPolicy>(m_defaults))
    , m_reloadTimer(this)
{
}

SecuritySettings::~SecuritySettings() = default;

void SecuritySettings::start(std::chrono::milliseconds reloadInterval)
{
    if (Result<void> loaded = reload(); !loaded)
        Log::warning(u"settings"_s, u"security settings not loaded; using the configured defaults"_s,
                     {{u"error"_s, loaded.error().message}});
    m_subscriber = followSettings(this, m_store, m_reloadTimer, reloadInterval, [this] { (void)reload(); });
}

std::shared_ptr<const SecurityPolicy> SecuritySettings::current() const
{
    QMutexLocker locker(&m_mutex);
    return m_current;
}

Result<SecurityPolicy> SecuritySettings::load() const
{
    SqlQuery rows = m_database.prepare(u"SELECT key, value FROM settings WHERE key IN (:limits, :lockout)"_s);
    rows.bind(u":limits"_s, rateLimitKey()).bind(u":lockout"_s, lockoutKey());
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    QJsonObject change;
    while (rows.next()) {
        const QJsonObject value = QJsonDocument::fromJson(rows.string(1).toUtf8()).object();
        change.insert(rows.string(0) == rateLimitKey() ? u"ratelimit"_s : u"lockout"_s, value);
    }
    return m_defaults.changedBy(change);
}

void SecuritySettings::install(SecurityPolicy policy)
{
    bool changed = false;
    {
        QMutexLocker locker(&m_mutex);
        if (!(*m_current == policy)) {
            m_current = std::make_shared<const SecurityPolicy>(std::move(policy));
            changed = true;
        }
    }
    if (changed)
        Q_EMIT policyChanged();
}

Result<void> SecuritySettings::reload()
{
    Result<SecurityPolicy> loaded = load();
    if (!loaded) {
        Log::warning(u"settings"_s, u"security settings could not be reloaded; keeping the cached policy"_s,
                     {{u"error"_s, loaded.error().message}});
        return loaded.error();
    }
    install(std::move(loaded).value());
    return success();
}

Result<SecurityPolicy> SecuritySettings::update(const QJsonObject& change, const QString& actorId,
                                                const RequestOrigin& origin)
{
    // Joins the caller's transaction (one PUT of every settings section): the caller then reloads and announces
    // after its commit, so nothing uncommitted is installed or published.
    std::optional<Transaction> transaction;
    if (!m_database.inTransaction()) {
        Result<Transaction> begun = Transaction::begin(m_database);
        if (!begun)
            return begun.error();
        transaction.emplace(std::move(begun).value());
    }
    // Start from what is stored now (another instance may have changed it since our last reload).
    Result<SecurityPolicy> before = load();
    if (!before)
        return before.error();
    Result<SecurityPolicy> after = before->changedBy(change);
    if (!after)
        return after.error();
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    if (Result<void> stored = storeRow(m_database, rateLimitKey(), after->rateLimitsJson(), nowMs, actorId); !stored)
        return stored.error();
    if (Result<void> stored = storeRow(m_database, lockoutKey(), after->lockoutJson(), nowMs, actorId); !stored)
        return stored.error();
    AuditEvent event;
    event.type = u"settings.security.changed"_s;
    event.actorId = actorId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.details = QJsonObject{{u"changes"_s, before->differencesTo(*after)}};
    if (Result<qint64> recorded = m_auditLog.record(event); !recorded)
        return recorded.error();
    if (!transaction)
        return after;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();

    install(*after);
    announce();
    return after;
}

void SecuritySettings::announce()
{
    // The periodic reload covers instances that miss this (Redis down): the change is already durable.
    if (Result<void> published = m_store.publish(channel(), QByteArrayLiteral("security")); !published)
        Log::warning(u"settings"_s, u"could not notify other instances of the security settings change"_s,
                     {{u"error"_s, published.error().message}});
}

} // namespace authshield::server
