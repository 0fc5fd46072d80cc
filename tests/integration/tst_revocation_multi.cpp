#include "server/storage/Database.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QRandomGenerator>
#include <QTest>

using namespace authshield::test;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");
} // namespace

// Two server processes sharing PostgreSQL and Redis: a logout on one is refused by the other within 1 s, also
// after the other lost and regained its Redis connection (its revocation set is resynchronised).
class TestRevocationMulti : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_a;
    std::unique_ptr<ServerProcess> m_b;

    static int sessionsStatus(quint16 port, const QString& token)
    {
        TestHttpClient client(port);
        return client.get("/api/v1/sessions", { { "Authorization", TestHttpClient::bearer(token) } }).status;
    }

    static int resynchronisations(const ServerProcess& server)
    {
        int count = 0;
        for (const QByteArray& line : server.log().split('\n'))
            count
                += line.contains("\"component\":\"revocation\"") && line.contains("\"msg\":\"resynchronised\"") ? 1 : 0;
        return count;
    }

    QString loginOnA()
    {
        const TestResponse response = login(m_a->port(), "ivy@example.com", kPassword);
        return response.json().value("access_token").toString();
    }

    void logoutOnA(const QString& token)
    {
        TestHttpClient client(m_a->port());
        QCOMPARE(
            client
                .postJson("/api/v1/auth/logout", QJsonObject {}, { { "Authorization", TestHttpClient::bearer(token) } })
                .status,
            204);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!m_backend.isPostgres())
            QSKIP("instances share revocations through Redis; the SQLite profile runs one process with in-process "
                  "stores");
        QVERIFY(m_backend.start());
        QMap<QString, QString> env = m_backend.serverEnvironment(QStringLiteral("multi"));
        // Instances of one deployment share the secret that seals the signing keys in the database.
        QByteArray secret(32, '\0');
        for (char& byte : secret)
            byte = static_cast<char>(QRandomGenerator::system()->bounded(256));
        env.insert("AUTHSHIELD_SECRETS_ENCRYPTION_KEY", QString::fromLatin1(secret.toBase64()));
        env.insert("AUTHSHIELD_PUBLIC_URL", "http://auth.example.test"); // one issuer behind the load balancer
        m_a = std::make_unique<ServerProcess>(env);
        m_b = std::make_unique<ServerProcess>(env);
        QVERIFY2(m_a->start(), m_a->log().constData());
        QVERIFY2(m_b->start(), m_b->log().constData());
        std::unique_ptr<authshield::server::Database> db = openServerDatabase(env, m_a->dataDir());
        QVERIFY(db);
        QVERIFY(!seedUser(*db, { "ivy@example.com", kPassword }).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(resynchronisations(*m_b) >= 1, 10000);
    }

    void cleanupTestCase()
    {
        // SIGTERM is a clean stop; when it is not, the server's log says why.
        if (m_b) {
            const int exitCode = m_b->stop();
            QVERIFY2(exitCode == 0, m_b->log().right(8000).constData());
        }
        if (m_a) {
            const int exitCode = m_a->stop();
            QVERIFY2(exitCode == 0, m_a->log().right(8000).constData());
        }
    }

    void logoutOnOneInstanceIsSeenByTheOther()
    {
        const QString token = loginOnA();
        QVERIFY(!token.isEmpty());
        QCOMPARE(sessionsStatus(m_b->port(), token), 200); // verified and cached on B
        logoutOnA(token);
        QTRY_COMPARE_WITH_TIMEOUT(sessionsStatus(m_b->port(), token), 401, 1000);
    }

    void afterRedisReconnect()
    {
        const QString token = loginOnA();
        QCOMPARE(sessionsStatus(m_b->port(), token), 200);
        const int before = resynchronisations(*m_b);
        m_backend.redis()->stop();
        QVERIFY(m_backend.redis()->restart());
        // B's subscriber reconnects by itself and reloads the revocation set.
        QTRY_VERIFY_WITH_TIMEOUT(resynchronisations(*m_b) > before, 15000);
        QCOMPARE(sessionsStatus(m_b->port(), token), 200);
        logoutOnA(token);
        QTRY_COMPARE_WITH_TIMEOUT(sessionsStatus(m_b->port(), token), 401, 1000);
    }

    void logoutDuringRedisOutageReachesTheOtherAfterwards()
    {
        const QString token = loginOnA();
        QCOMPARE(sessionsStatus(m_b->port(), token), 200);
        const int before = resynchronisations(*m_b);
        m_backend.redis()->stop();
        logoutOnA(token); // the database records it; the push is lost
        QCOMPARE(sessionsStatus(m_a->port(), token), 401);
        QVERIFY(m_backend.redis()->restart());
        QTRY_VERIFY_WITH_TIMEOUT(resynchronisations(*m_b) > before, 15000);
        QCOMPARE(sessionsStatus(m_b->port(), token), 401);
    }
};

QTEST_GUILESS_MAIN(TestRevocationMulti)
#include "tst_revocation_multi.moc"
