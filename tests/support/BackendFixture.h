#pragma once

#include "tests/support/TestEnvironment.h"

#include <QMap>
#include <QString>

#include <memory>

namespace authshield::test {

class PostgresInstance;
class RedisInstance;

// The storage a test process runs its servers on, chosen by AUTHSHIELD_TEST_BACKEND: nothing to start for
// SQLite + in-process stores; a real PostgreSQL 15 and Redis 7 on free loopback ports otherwise, started
// once per test process and removed afterwards (even after a crash: each has a watchdog).
class BackendFixture
{
public:
    BackendFixture();
    ~BackendFixture();

    bool start();
    Backend backend() const { return m_backend; }
    bool isPostgres() const { return m_backend == Backend::Postgres; }

    // Environment for one server: a fresh database (PostgreSQL) and a clean Redis; for SQLite nothing, as the
    // server's own data dir holds its database. Servers that must share state pass the same name.
    QMap<QString, QString> serverEnvironment(const QString& databaseName);

    PostgresInstance* postgres() { return m_postgres.get(); }
    RedisInstance* redis() { return m_redis.get(); }

private:
    Backend m_backend;
    std::unique_ptr<PostgresInstance> m_postgres;
    std::unique_ptr<RedisInstance> m_redis;
    QMap<QString, QString> m_databases;
};

} // namespace authshield::test
