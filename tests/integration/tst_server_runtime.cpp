#include "tests/support/BackendFixture.h"
#include "tests/support/PostgresInstance.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QJsonObject>
#include <QTest>

using namespace authshield::test;

namespace {
QJsonObject check(const TestResponse& ready, const QString& name)
{
    return ready.json().value(QStringLiteral("checks")).toObject().value(name).toObject();
}
} // namespace

// The real binary on each storage back-end: health, readiness and what happens when a dependency goes away.
class TestServerRuntime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_backend.start());
        m_server = std::make_unique<ServerProcess>(m_backend.serverEnvironment(QStringLiteral("runtime")));
        QVERIFY2(m_server->start(), m_server->log().constData());
    }

    void cleanupTestCase()
    {
        const int exitCode = m_server->stop(); // SIGTERM is a clean, successful shutdown
        QVERIFY2(exitCode == 0, m_server->log().right(6000).constData());
        QVERIFY(m_server->log().contains("\"msg\":\"stopped\""));
    }

    void healthAnswers()
    {
        TestHttpClient client(m_server->port());
        const TestResponse response = client.get("/health");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(!response.json().value(QStringLiteral("version")).toString().isEmpty());
        QVERIFY(!response.header("x-request-id").isEmpty());
    }

    void readyReportsEachDependency()
    {
        TestHttpClient client(m_server->port());
        const TestResponse ready = client.get("/ready");
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        const QJsonObject database = check(ready, QStringLiteral("database"));
        const QJsonObject redis = check(ready, QStringLiteral("redis"));
        QCOMPARE(database.value(QStringLiteral("status")).toString(), QStringLiteral("up"));
        QCOMPARE(redis.value(QStringLiteral("status")).toString(), QStringLiteral("up"));
        QVERIFY(database.value(QStringLiteral("latency_ms")).toDouble() >= 0);
        QCOMPARE(database.value(QStringLiteral("backend")).toString(),
                 m_backend.isPostgres() ? QStringLiteral("postgresql") : QStringLiteral("sqlite"));
        QCOMPARE(redis.value(QStringLiteral("backend")).toString(),
                 m_backend.isPostgres() ? QStringLiteral("redis") : QStringLiteral("in-process"));
    }

    void readyFollowsPostgresOutage()
    {
        if (!m_backend.isPostgres())
            QSKIP("the embedded SQLite database cannot be stopped from outside");
        TestHttpClient client(m_server->port());
        m_backend.postgres()->stop();
        const TestResponse down = client.get("/ready");
        QCOMPARE(down.status, 503);
        QCOMPARE(down.json().value(QStringLiteral("status")).toString(), QStringLiteral("unavailable"));
        QCOMPARE(check(down, QStringLiteral("database")).value(QStringLiteral("status")).toString(), QStringLiteral("down"));
        QCOMPARE(check(down, QStringLiteral("redis")).value(QStringLiteral("status")).toString(), QStringLiteral("up"));
        QCOMPARE(client.get("/health").status, 200); // alive, just not ready
        QVERIFY(m_backend.postgres()->restart());
        QTRY_COMPARE_WITH_TIMEOUT(client.get("/ready").status, 200, 20000);
    }

    void readyFollowsRedisOutage()
    {
        if (!m_backend.isPostgres())
            QSKIP("the in-process store cannot go down");
        TestHttpClient client(m_server->port());
        m_backend.redis()->stop();
        const TestResponse down = client.get("/ready");
        QCOMPARE(down.status, 503);
        QCOMPARE(check(down, QStringLiteral("redis")).value(QStringLiteral("status")).toString(), QStringLiteral("down"));
        QVERIFY(!check(down, QStringLiteral("redis")).value(QStringLiteral("detail")).toString().isEmpty());
        QVERIFY(m_backend.redis()->restart());
        QTRY_COMPARE_WITH_TIMEOUT(client.get("/ready").status, 200, 20000);
    }

private:
    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_server;
};

QTEST_GUILESS_MAIN(TestServerRuntime)
#include "tst_server_runtime.moc"
