#include "tests/support/BackendFixture.h"

#include "tests/support/PostgresInstance.h"
#include "tests/support/RedisInstance.h"

namespace authshield::test {

BackendFixture::BackendFixture()
    : m_backend(testBackend())
{
}

BackendFixture::~BackendFixture() = default;

bool BackendFixture::start()
{
    if (m_backend == Backend::Sqlite)
        return true;
    m_postgres = std::make_unique<PostgresInstance>();
    m_redis = std::make_unique<RedisInstance>();
    return m_postgres->start() && m_redis->start();
}

QMap<QString, QString> BackendFixture::serverEnvironment(const QString& databaseName)
{
    if (m_backend == Backend::Sqlite)
        return {};
    if (!m_databases.contains(databaseName))
        m_databases.insert(databaseName, m_postgres->createDatabase(databaseName));
    return {{QStringLiteral("AUTHSHIELD_DATABASE_URL"), m_databases.value(databaseName)},
            {QStringLiteral("AUTHSHIELD_REDIS_URL"), m_redis->url()}};
}

} // namespace authshield::test
