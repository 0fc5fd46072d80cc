#include "server/tokens/TokenLifetimes.h"

#include "server/core/Log.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/SettingsFollower.h"
#include "server/storage/SqlQuery.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

TokenLifetimes::TokenLifetimes(const TokensConfig& config, const Database& database, KeyValueStore& store,
                               QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_database(database)
    , m_store(store)
    , m_accessTtl(config.accessTtl.count())
    , m_refreshTtl(config.refreshTtl.count())
    , m_reloadTimer(this)
{
}

TokenLifetimes::~TokenLifetimes() = default;

void TokenLifetimes::start(std::chrono::milliseconds reloadInterval)
{
    if (Result<void> loaded = reload(); !loaded)
        Log::warning(u"settings"_s, u"token lifetimes not loaded; using the configured ones"_s,
                     {{u"error"_s, loaded.error().message}});
    m_subscriber = followSettings(this, m_store, m_reloadTimer, reloadInterval, [this] { (void)reload(); });
}

Result<void> TokenLifetimes::reload()
{
    SqlQuery row = m_database.prepare(u"SELECT value FROM settings WHERE key = :key"_s);
    row.bind(u":key"_s, settingsKey());
    if (Result<void> read = row.exec(); !read) {
        Log::warning(u"settings"_s, u"token lifetimes could not be reloaded; keeping the cached ones"_s,
                     {{u"error"_s, read.error().message}});
        return read.error();
    }
    const QJsonObject stored = row.next() ? QJsonDocument::fromJson(row.string(0).toUtf8()).object() : QJsonObject();
    const qint64 maxAccess = m_config.accessTtl.count();
    const qint64 access = stored.value(u"access_ttl"_s).toInteger(maxAccess);
    // A row written before the bound existed (or under a larger configured access_ttl) is capped, never trusted.
    m_accessTtl.store(qBound(qMin(kMinAccessTtl.count(), maxAccess), access, maxAccess));
    const qint64 refresh = stored.value(u"refresh_ttl"_s).toInteger(m_config.refreshTtl.count());
    m_refreshTtl.store(refresh > 0 ? refresh : m_config.refreshTtl.count());
    return success();
}

} // namespace authshield::server
