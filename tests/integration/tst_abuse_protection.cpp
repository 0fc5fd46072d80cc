#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/ratelimit/SecurityPolicy.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/Database.h"
#include "server/storage/RedisKeyValueStore.h"
#include "server/storage/SqlQuery.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/MailFile.h"
#include "tests/support/PostgresInstance.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield;
using namespace authshield::test;
using namespace authshield::server;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");

QByteArray rawPost(const QByteArray& path, const QJsonObject& body)
{
    const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(json.size()) + "\r\n\r\n" + json;
}

// count requests in flight at once: each on its own connection, all written before any answer is read;
// connections alternate between the given servers.
QList<TestResponse> inParallel(const QList<quint16>& ports, int count, const QByteArray& path,
                               const std::function<QJsonObject(int)>& body)
{
    std::vector<std::unique_ptr<TestHttpClient>> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<TestHttpClient>(ports.at(i % ports.size())));
        clients.back()->connectToServer();
    }
    for (int i = 0; i < count; ++i)
        clients[static_cast<size_t>(i)]->sendRaw(rawPost(path, body(i)));
    QList<TestResponse> responses;
    for (auto& client : clients)
        responses.append(client->readResponse(60000));
    return responses;
}

QJsonObject withoutRequestId(const TestResponse& response)
{
    QJsonObject error = response.json().value("error").toObject();
    error.remove("request_id");
    return error;
}

QJsonObject readyCheck(quint16 port, const QString& name)
{
    TestHttpClient client(port);
    return client.get("/ready").json().value("checks").toObject().value(name).toObject();
}

// SIGTERM must end the server cleanly (exit 0). On failure the whole log goes to a file, since QTest
// truncates long messages.
bool stopCleanly(ServerProcess& server)
{
    const int code = server.stop();
    if (code == 0)
        return true;
    const QString path = QDir::temp().filePath(QStringLiteral("abuse-stop-%1.log").arg(QCoreApplication::applicationPid()));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Append))
        file.write(server.log() + "\n----\n");
    qWarning("server exited with %d; its log is in %s", code, qPrintable(path));
    return false;
}

TestResponse bogusRefresh(quint16 port)
{
    TestHttpClient client(port);
    return client.postJson("/api/v1/auth/refresh", QJsonObject{{"refresh_token", "not-a-real-token"}});
}
} // namespace

// Throttling, lockout, the shared-limiter outage modes, metrics and the audit CLI on the real binary, on each
// back-end (PostgreSQL + Redis, or SQLite + in-process stores).
class TestAbuseProtection : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;
    int m_counter = 0;

    // A fresh database per scenario; fast Argon2 (the stored hashes keep their own parameters).
    QMap<QString, QString> environment(const QMap<QString, QString>& extra, QString name = {})
    {
        if (name.isEmpty())
            name = QStringLiteral("abuse_%1").arg(++m_counter);
        QMap<QString, QString> env = m_backend.serverEnvironment(name);
        // Instances sharing a database must also share the key their signing keys are sealed with.
        env.insert("AUTHSHIELD_SECRETS_ENCRYPTION_KEY", "q7Yx3v2S9kL0pW8eR5tU1iO4aD6fG3hJ2kL9zX0cV1E=");
        env.insert("AUTHSHIELD_RATELIMIT_LOGIN_IP", "1000/60s");
        env.insert("AUTHSHIELD_RATELIMIT_LOGIN_ACCOUNT", "1000/60s");
        env.insert("AUTHSHIELD_RATELIMIT_REFRESH_IP", "1000/60s");
        env.insert("AUTHSHIELD_RATELIMIT_GLOBAL_IP", "100000/60s");
        for (auto it = extra.cbegin(); it != extra.cend(); ++it)
            env.insert(it.key(), it.value());
        return env;
    }

    static int count(Database& db, const QString& sql)
    {
        SqlQuery query = db.prepare(sql);
        if (!query.exec().ok() || !query.next())
            return -1;
        return static_cast<int>(query.int64(0));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_backend.start()); }

    void init()
    {
        if (!m_backend.isPostgres())
            return;
        // Every scenario starts from an empty Redis, as limits are keyed by the (shared) client address.
        RedisUrl url = *RedisUrl::parse(m_backend.redis()->url());
        RedisKeyValueStore store(url, std::chrono::seconds(2), std::chrono::seconds(2));
        QVERIFY(store.command({"FLUSHALL"}).ok());
    }

    void ipLimitAnswers429AfterExactlyNAndRecovers()
    {
        ServerProcess server(environment({{"AUTHSHIELD_RATELIMIT_REFRESH_IP", "4/2s"}}));
        QVERIFY2(server.start(), server.log().constData());
        for (int i = 0; i < 4; ++i) {
            const TestResponse allowed = bogusRefresh(server.port());
            QCOMPARE(allowed.status, 401);
            QCOMPARE(allowed.header("ratelimit-limit"), QByteArray("4"));
            QCOMPARE(allowed.header("ratelimit-remaining"), QByteArray::number(3 - i));
            QVERIFY(allowed.header("ratelimit-reset").toInt() >= 1);
        }
        const TestResponse limited = bogusRefresh(server.port());
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(!limited.json().value("error").toObject().value("request_id").toString().isEmpty());
        const int retryAfter = limited.header("retry-after").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 2, limited.header("retry-after").constData());
        QCOMPARE(limited.header("ratelimit-limit"), QByteArray("4"));
        QCOMPARE(limited.header("ratelimit-remaining"), QByteArray("0"));
        QCOMPARE(limited.header("ratelimit-reset").toInt(), retryAfter);
        // The window slides on (QTRY evaluates twice, so latch the first admitted answer).
        bool recovered = false;
        QTRY_VERIFY_WITH_TIMEOUT(recovered = recovered || bogusRefresh(server.port()).status == 401, 5000);
        QVERIFY(stopCleanly(server));
    }

    void limitsHoldAcrossInstances()
    {
        // PostgreSQL: both instances share Redis, so the total is the limit. SQLite: each process has its own.
        const QString name = QStringLiteral("abuse_shared_%1").arg(++m_counter);
        QMap<QString, QString> env = environment({{"AUTHSHIELD_RATELIMIT_REFRESH_IP", "10/60s"}}, name);
        ServerProcess first(env);
        ServerProcess second(env);
        QVERIFY2(first.start(), first.log().constData());
        QVERIFY2(second.start(), second.log().constData());
        const QList<TestResponse> answers = inParallel({first.port(), second.port()}, 40, "/api/v1/auth/refresh",
                                                       [](int) { return QJsonObject{{"refresh_token", "bogus"}}; });
        int admitted = 0;
        int limited = 0;
        for (const TestResponse& answer : answers) {
            admitted += answer.status == 401;
            limited += answer.status == 429;
        }
        QCOMPARE(admitted + limited, 40);
        QCOMPARE(admitted, m_backend.isPostgres() ? 10 : 20);
        QVERIFY(stopCleanly(first));
        QVERIFY(stopCleanly(second));
    }

    void redisOutageFailOpen()
    {
        if (!m_backend.isPostgres())
            QSKIP("the in-process limiter has no outage");
        ServerProcess server(environment({{"AUTHSHIELD_RATELIMIT_REFRESH_IP", "3/60s"},
                                          {"AUTHSHIELD_RATELIMIT_REDIS_FAILURE", "open"}}));
        QVERIFY2(server.start(), server.log().constData());
        QCOMPARE(bogusRefresh(server.port()).status, 401); // counted in Redis
        m_backend.redis()->stop();
        // Fallen back to this process's limiter: three more, then 429 — never 503.
        for (int i = 0; i < 3; ++i)
            QCOMPARE(bogusRefresh(server.port()).status, 401);
        QCOMPARE(bogusRefresh(server.port()).status, 429);
        const QJsonObject degraded = readyCheck(server.port(), "ratelimit");
        QCOMPARE(degraded.value("status").toString(), QStringLiteral("up"));
        QCOMPARE(degraded.value("detail").toString(), QStringLiteral("degraded: local limits"));
        QVERIFY(m_backend.redis()->restart());
        QTRY_VERIFY_WITH_TIMEOUT(readyCheck(server.port(), "ratelimit").value("detail").isUndefined(), 20000);
        QTRY_VERIFY(server.log().contains("shared rate limiter available again"));
        QCOMPARE(server.log().count("falling back to per-process limits"), 1); // once per transition, not per request
        QVERIFY(stopCleanly(server));
    }

    void redisOutageFailClosed()
    {
        if (!m_backend.isPostgres())
            QSKIP("the in-process limiter has no outage");
        ServerProcess server(environment({{"AUTHSHIELD_RATELIMIT_REDIS_FAILURE", "closed"}}));
        QVERIFY2(server.start(), server.log().constData());
        QCOMPARE(bogusRefresh(server.port()).status, 401);
        m_backend.redis()->stop();
        const TestResponse refused = bogusRefresh(server.port());
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.errorCode(), QStringLiteral("service_unavailable"));
        QVERIFY(!refused.header("retry-after").isEmpty());
        QCOMPARE(readyCheck(server.port(), "ratelimit").value("status").toString(), QStringLiteral("down"));
        QVERIFY(m_backend.redis()->restart());
        QTRY_COMPARE_WITH_TIMEOUT(bogusRefresh(server.port()).status, 401, 20000);
        QVERIFY(stopCleanly(server));
    }

    void lockoutAfterNFailuresWithoutOvershoot()
    {
        ServerProcess server(environment({{"AUTHSHIELD_LOCKOUT_MAX_FAILURES", "5"},
                                          {"AUTHSHIELD_LOCKOUT_WINDOW", "60s"},
                                          {"AUTHSHIELD_LOCKOUT_DURATION", "3s"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(db);
        const QString userId = seedUser(*db, {"erin@example.com", kPassword});
        QVERIFY(!userId.isEmpty());

        // 16 wrong guesses at once: exactly five are checked and counted, the rest are refused as locked.
        const QList<TestResponse> guesses = inParallel({server.port()}, 16, "/api/v1/auth/login", [](int i) {
            return QJsonObject{{"email", "erin@example.com"}, {"password", QStringLiteral("wrong guess %1").arg(i)}};
        });
        const QJsonObject wrongAnswer = withoutRequestId(guesses.first());
        for (const TestResponse& guess : guesses) {
            QCOMPARE(guess.status, 401);
            QCOMPARE(withoutRequestId(guess), wrongAnswer);
        }
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.login.failed' "
                            "AND details LIKE '%\"reason\":\"bad_password\"%'"), 5);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.login.failed' "
                            "AND details LIKE '%\"reason\":\"locked\"%'"), 11);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.lockout'"), 1);
        // The owner hears about it once, by mail (delivered asynchronously by the outbox worker).
        QTRY_COMPARE_WITH_TIMEOUT(mailsTo(server.dataDir(), "erin@example.com").size(), 1, 10000);
        QVERIFY(mailsTo(server.dataDir(), "erin@example.com").first().subject().contains("locked"));

        // Locked: the right password gets exactly the wrong password's answer.
        const TestResponse locked = login(server.port(), "erin@example.com", kPassword);
        QCOMPARE(locked.status, 401);
        QCOMPARE(withoutRequestId(locked), wrongAnswer);
        QVERIFY(locked.header("ratelimit-limit").size() > 0);
        TestHttpClient client(server.port());
        QVERIFY(client.get("/metrics").body.contains(
            "authshield_login_attempts_total{outcome=\"failure\",reason=\"locked\"} 12\n"));

        // The lock expires; a success then resets the count, so four more failures do not lock again.
        bool unlocked = false;
        QTRY_VERIFY_WITH_TIMEOUT(unlocked = unlocked || login(server.port(), "erin@example.com", kPassword).status == 200,
                                 10000);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(login(server.port(), "erin@example.com", "nope").status, 401);
        QCOMPARE(login(server.port(), "erin@example.com", kPassword).status, 200);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(login(server.port(), "erin@example.com", "nope").status, 401);
        QCOMPARE(login(server.port(), "erin@example.com", kPassword).status, 200);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.lockout'"), 1);

        // An address without an account locks the same way (nothing tells them apart).
        for (int i = 0; i < 5; ++i)
            QCOMPARE(withoutRequestId(login(server.port(), "nobody@example.com", "x")), wrongAnswer);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.lockout'"), 2);
        QCOMPARE(mailsTo(server.dataDir(), "nobody@example.com").size(), 0); // no account, no mail
        QCOMPARE(mailsTo(server.dataDir(), "erin@example.com").size(), 1); // still one: one lockout, one notice

        // Metrics saw all of it.
        const QByteArray metrics = client.get("/metrics").body;
        QVERIFY(metrics.contains("authshield_account_lockouts_total 2\n"));
        QVERIFY(metrics.contains("authshield_login_attempts_total{outcome=\"success\",reason=\"ok\"} 3\n"));
        QVERIFY(metrics.contains(
            "authshield_http_requests_total{route=\"/api/v1/auth/login\",method=\"POST\",status=\"401\"}"));
        QVERIFY(metrics.contains(
            "authshield_http_request_duration_seconds_bucket{route=\"/api/v1/auth/login\",le=\"+Inf\"}"));
        QVERIFY(metrics.contains("authshield_build_info{version=\""));
        QCOMPARE(client.get("/metrics").header("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));

        // The audit chain of all this verifies from the CLI; an edited row is found at its seq.
        CommandResult verified = ServerProcess::runCommand({"audit", "verify", "--data-dir", server.dataDir()}, server.env());
        QCOMPARE(verified.exitCode, 0);
        QVERIFY2(QRegularExpression("^ok: \\d+ events checked").match(QString::fromUtf8(verified.out)).hasMatch(),
                 verified.out.constData());
        const int seq = count(*db, "SELECT MIN(seq) FROM audit_events WHERE type = 'auth.lockout'");
        if (m_backend.isPostgres()) {
            QVERIFY(db->exec("SET session_replication_role = replica").ok());
        } else {
            QVERIFY(db->exec("DROP TRIGGER audit_events_no_update").ok());
        }
        QVERIFY(db->exec(QStringLiteral("UPDATE audit_events SET details = '{}' WHERE seq = %1").arg(seq)).ok());
        verified = ServerProcess::runCommand({"audit", "verify", "--data-dir", server.dataDir()}, server.env());
        QCOMPARE(verified.exitCode, 1);
        QVERIFY2(verified.out.contains("broken at seq " + QByteArray::number(seq)), verified.out.constData());
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void forgotPasswordIsLimitedPerAccountSilently()
    {
        ServerProcess server(environment({{"AUTHSHIELD_RATELIMIT_FORGOT_ACCOUNT", "2/60s"},
                                          {"AUTHSHIELD_RATELIMIT_FORGOT_IP", "1000/60s"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(db);
        QVERIFY(!seedUser(*db, {"gina@example.com", kPassword}).isEmpty());
        TestHttpClient client(server.port());
        // Four requests, differently spelled: one account. Every answer is the same 202; only two mails go out.
        const QStringList spellings = {"gina@example.com", "GINA@example.com", " gina@EXAMPLE.com", "gina@example.com"};
        for (const QString& email : spellings) {
            const TestResponse answer = client.postJson("/api/v1/auth/forgot-password", {{"email", email}});
            QCOMPARE(answer.status, 202);
        }
        QTRY_COMPARE_WITH_TIMEOUT(mailsTo(server.dataDir(), "gina@example.com").size(), 2, 10000);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.password_reset.ignored' "
                            "AND details LIKE '%\"reason\":\"rate_limited\"%'"), 2);
        // Another account is not affected by gina's limit.
        QVERIFY(!seedUser(*db, {"hank@example.com", kPassword}).isEmpty());
        QCOMPARE(client.postJson("/api/v1/auth/forgot-password", {{"email", "hank@example.com"}}).status, 202);
        QTRY_COMPARE_WITH_TIMEOUT(mailsTo(server.dataDir(), "hank@example.com").size(), 1, 10000);
        QCOMPARE(mailsTo(server.dataDir(), "gina@example.com").size(), 2);
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void unlockLiftsALockout()
    {
        if (!m_backend.isPostgres())
            QSKIP("the in-process lockout counters live inside the server process; see unit/tst_rate_limiter");
        QMap<QString, QString> env = environment({{"AUTHSHIELD_LOCKOUT_MAX_FAILURES", "3"},
                                                  {"AUTHSHIELD_LOCKOUT_DURATION", "1h"}});
        ServerProcess server(env);
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        const QString userId = seedUser(*db, {"frank@example.com", kPassword});
        for (int i = 0; i < 3; ++i)
            QCOMPARE(login(server.port(), "frank@example.com", "nope").status, 401);
        QCOMPARE(login(server.port(), "frank@example.com", kPassword).status, 401);

        // The domain operation behind the admin API, on the same database and Redis as the server.
        SystemClock clock;
        RedisKeyValueStore store(*RedisUrl::parse(m_backend.redis()->url()), std::chrono::seconds(2),
                                 std::chrono::seconds(2));
        AuditLog audit(*db, clock);
        ServerConfig config;
        SecuritySettings settings(SecurityPolicy::fromConfig(config), *db, store, audit, clock, nullptr);
        AccountLockout lockout(store, settings, audit, clock);
        UserRepository users(*db, clock);
        const Result<bool> unlocked = lockout.unlockUser(users, userId, QStringLiteral("admin-1"), RequestOrigin{});
        QVERIFY(unlocked.ok());
        QVERIFY(*unlocked);
        QCOMPARE(login(server.port(), "frank@example.com", kPassword).status, 200);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.unlock' AND actor_id = 'admin-1'"), 1);
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void settingsChangeReachesEveryInstance()
    {
        if (!m_backend.isPostgres())
            QSKIP("instances share settings through PostgreSQL and Redis");
        const QString name = QStringLiteral("abuse_settings_%1").arg(++m_counter);
        QMap<QString, QString> env = environment({{"AUTHSHIELD_RATELIMIT_REFRESH_IP", "50/60s"}}, name);
        ServerProcess server(env);
        QVERIFY2(server.start(), server.log().constData());
        QCOMPARE(bogusRefresh(server.port()).header("ratelimit-limit"), QByteArray("50"));

        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        SystemClock clock;
        RedisKeyValueStore store(*RedisUrl::parse(m_backend.redis()->url()), std::chrono::seconds(2),
                                 std::chrono::seconds(2));
        AuditLog audit(*db, clock);
        ServerConfig config;
        config.ratelimit.refreshIp = RateLimitRule{50, std::chrono::seconds(60)};
        SecuritySettings settings(SecurityPolicy::fromConfig(config), *db, store, audit, clock, nullptr);
        const Result<SecurityPolicy> invalid = settings.update(
            QJsonDocument::fromJson(R"({"ratelimit":{"refresh_ip":{"count":-1}}})").object(), "admin-1", {});
        QVERIFY(!invalid.ok());
        QCOMPARE(invalid.error().code, ErrorCode::ValidationFailed);
        const Result<SecurityPolicy> updated = settings.update(
            QJsonDocument::fromJson(R"({"ratelimit":{"refresh_ip":{"count":7,"window_seconds":60}}})").object(),
            "admin-1", RequestOrigin{"127.0.0.1", "tests", "req-settings"});
        QVERIFY(updated.ok());
        QTRY_COMPARE_WITH_TIMEOUT(bogusRefresh(server.port()).header("ratelimit-limit"), QByteArray("7"), 5000);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'settings.security.changed' "
                            "AND details LIKE '%7/60s%'"), 1);
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void metricsProtection()
    {
        ServerProcess server(environment({{"AUTHSHIELD_METRICS_BEARER_TOKEN", "metrics-secret-123"}}));
        QVERIFY2(server.start(), server.log().constData());
        TestHttpClient client(server.port());
        const TestResponse anonymous = client.get("/metrics");
        QCOMPARE(anonymous.status, 401);
        QVERIFY(anonymous.header("www-authenticate").startsWith("Bearer"));
        QCOMPARE(client.get("/metrics", {{"Authorization", "Bearer metrics-secret-12"}}).status, 401);
        const TestResponse allowed = client.get("/metrics", {{"Authorization", "Bearer metrics-secret-123"}});
        QCOMPARE(allowed.status, 200);
        QVERIFY(allowed.body.contains("# TYPE authshield_http_requests_total counter"));
        QVERIFY(!server.log().contains("metrics-secret-123"));
        QVERIFY(stopCleanly(server));

        // Its own listener: not on the main port at all.
        ServerProcess separate(environment({{"AUTHSHIELD_METRICS_LISTEN", "127.0.0.1:0"}}));
        QVERIFY2(separate.start(), separate.log().constData());
        QCOMPARE(TestHttpClient(separate.port()).get("/metrics").status, 404);
        const QRegularExpressionMatch port
            = QRegularExpression("\"msg\":\"metrics listening\"[^\\n]*\"port\":(\\d+)").match(QString::fromUtf8(separate.log()));
        QVERIFY2(port.hasMatch(), separate.log().constData());
        const TestResponse scraped = TestHttpClient(static_cast<quint16>(port.captured(1).toUInt())).get("/metrics");
        QCOMPARE(scraped.status, 200);
        QVERIFY(scraped.body.contains("process_start_time_seconds "));
        QVERIFY(stopCleanly(separate));
    }

    void twoProcessesKeepOneAuditChain()
    {
        // Two servers on one database, every login audited, in parallel; the chain must stay one unbroken line.
        QTemporaryDir shared;
        const QString name = QStringLiteral("abuse_chain_%1").arg(++m_counter);
        QMap<QString, QString> env
            = environment({}, name);
        if (!m_backend.isPostgres())
            env.insert("AUTHSHIELD_DATABASE_URL", "sqlite:///" + shared.filePath("shared.db").mid(1));
        ServerProcess first(env);
        ServerProcess second(env);
        QVERIFY2(first.start(), first.log().constData());
        QVERIFY2(second.start(), second.log().constData());
        const QList<TestResponse> answers = inParallel({first.port(), second.port()}, 24, "/api/v1/auth/login", [](int i) {
            return QJsonObject{{"email", QStringLiteral("user%1@example.com").arg(i)}, {"password", "whatever"}};
        });
        for (const TestResponse& answer : answers)
            QCOMPARE(answer.status, 401);
        const CommandResult verified
            = ServerProcess::runCommand({"audit", "verify", "--data-dir", first.dataDir()}, env);
        QCOMPARE(verified.exitCode, 0);
        QVERIFY2(verified.out.startsWith("ok: "), verified.out.constData());
        std::unique_ptr<Database> db = openServerDatabase(env, first.dataDir());
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.login.failed'"), 24);
        db.reset();
        QVERIFY(stopCleanly(first));
        QVERIFY(stopCleanly(second));
    }

    void secretsStayOutOfLogsAndAudit()
    {
        const QString encryptionKey = QStringLiteral("Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo=");
        ServerProcess server(environment({{"AUTHSHIELD_SECRETS_ENCRYPTION_KEY", encryptionKey},
                                          {"AUTHSHIELD_LOG_LEVEL", "debug"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        const QString password = QStringLiteral("Unique-Secret-Password-4711");
        QVERIFY(!seedUser(*db, {"gina@example.com", password}).isEmpty());

        QCOMPARE(login(server.port(), "gina@example.com", "Wrong-Secret-Guess-0815").status, 401);
        const TestResponse ok = login(server.port(), "gina@example.com", password);
        QCOMPARE(ok.status, 200);
        const QString access = ok.json().value("access_token").toString();
        const QString refreshToken = ok.json().value("refresh_token").toString();
        TestHttpClient client(server.port());
        const TestResponse refreshed
            = client.postJson("/api/v1/auth/refresh", QJsonObject{{"refresh_token", refreshToken}});
        QCOMPARE(refreshed.status, 200);
        const QString access2 = refreshed.json().value("access_token").toString();
        const QString refresh2 = refreshed.json().value("refresh_token").toString();
        QCOMPARE(client.postJson("/api/v1/auth/logout", QJsonObject{{"refresh_token", refresh2}},
                                 {{"Authorization", TestHttpClient::bearer(access2)}}).status,
                 204);
        QCOMPARE(client.postJson("/api/v1/auth/refresh", QJsonObject{{"refresh_token", refreshToken}}).status, 401);

        QByteArray audit;
        SqlQuery rows = db->prepare("SELECT details FROM audit_events");
        QVERIFY(rows.exec().ok());
        while (rows.next())
            audit += rows.string(0).toUtf8() + '\n';
        QVERIFY(audit.contains("bad_password")); // the traffic did reach the audit log
        const QByteArray log = server.log();
        for (const QString& secret : {password, QStringLiteral("Wrong-Secret-Guess-0815"), access, refreshToken,
                                      access2, refresh2, encryptionKey}) {
            QVERIFY2(!log.contains(secret.toUtf8()), qPrintable("log leaks " + secret.left(12)));
            QVERIFY2(!audit.contains(secret.toUtf8()), qPrintable("audit leaks " + secret.left(12)));
        }
        db.reset();
        QVERIFY(stopCleanly(server));
    }
};

QTEST_GUILESS_MAIN(TestAbuseProtection)
#include "tst_abuse_protection.moc"
