#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/mfa/MfaPolicy.h"
#include "server/mfa/Totp.h"
#include "server/storage/InProcessKeyValueStore.h"
#include "server/storage/Database.h"
#include "server/storage/RedisKeyValueStore.h"
#include "server/storage/SqlQuery.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/MailFile.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace authshield;
using namespace authshield::test;
using namespace authshield::server;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");
constexpr qint64 kPeriod = 30;

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString& access)
{
    return {{"Authorization", TestHttpClient::bearer(access)}};
}

TestResponse post(quint16 port, const QByteArray& path, const QJsonObject& body, const QString& access = {})
{
    TestHttpClient client(port);
    return client.postJson(path, body, access.isEmpty() ? Headers() : bearer(access));
}

TestResponse get(quint16 port, const QByteArray& path, const QString& access)
{
    TestHttpClient client(port);
    return client.get(path, bearer(access));
}

TestResponse remove(quint16 port, const QByteArray& path, const QJsonObject& body, const QString& access)
{
    TestHttpClient client(port);
    Headers headers = bearer(access);
    headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    return client.request("DELETE", path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers);
}

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

// The code of the step `offset` steps from now.
QString codeAt(const QByteArray& secret, int offset)
{
    return Totp::codeAt(secret, nowSeconds() + offset * kPeriod);
}

// A scenario confirming with the previous step's code must not have that step slip out of the window on the way.
bool waitForFreshStep()
{
    return QTest::qWaitFor([] { return nowSeconds() % kPeriod < 20; }, 15000);
}

int count(Database& db, const QString& sql)
{
    SqlQuery query = db.prepare(sql);
    if (!query.exec().ok() || !query.next())
        return -1;
    return static_cast<int>(query.int64(0));
}

// SIGTERM must end the server cleanly (exit 0); on failure its log goes to a file (QTest truncates messages).
bool stopCleanly(ServerProcess& server)
{
    const int code = server.stop();
    if (code == 0)
        return true;
    const QString path = QDir::temp().filePath(QStringLiteral("mfa-stop-%1.log").arg(QCoreApplication::applicationPid()));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Append))
        file.write(server.log() + "\n----\n");
    qWarning("server exited with %d; its log is in %s", code, qPrintable(path));
    return false;
}

QString accessOf(const TestResponse& response)
{
    return response.json().value("access_token").toString();
}
} // namespace

// TOTP multi-factor authentication end to end on the real binary, on each back-end.
class TestMfa : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;
    int m_counter = 0;

    QMap<QString, QString> environment(const QMap<QString, QString>& extra)
    {
        QMap<QString, QString> env
            = withoutThrottling(m_backend.serverEnvironment(QStringLiteral("mfa_%1").arg(++m_counter)));
        env.insert("AUTHSHIELD_RATELIMIT_MFA_IP", "100000/60s");
        for (auto it = extra.cbegin(); it != extra.cend(); ++it)
            env.insert(it.key(), it.value());
        return env;
    }

    // Turns TOTP on through the API (the confirming code is the previous step's); returns the raw secret.
    static QByteArray enrol(quint16 port, const QString& access, QStringList* recoveryCodes = nullptr)
    {
        const TestResponse started = post(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}}, access);
        if (started.status != 200) {
            qWarning("enrolment refused: %s", started.body.constData());
            return {};
        }
        const QByteArray secret = *Totp::base32Decode(started.json().value("secret").toString());
        const TestResponse confirmed
            = post(port, "/api/v1/users/me/mfa/totp/confirm", {{"code", codeAt(secret, -1)}}, access);
        if (confirmed.status != 200) {
            qWarning("confirmation refused: %s", confirmed.body.constData());
            return {};
        }
        if (recoveryCodes) {
            recoveryCodes->clear();
            for (const QJsonValue& code : confirmed.json().value("recovery_codes").toArray())
                recoveryCodes->append(code.toString());
        }
        return secret;
    }

    static QString mfaToken(quint16 port, const QString& email)
    {
        const TestResponse answer = login(port, email, kPassword);
        if (answer.status != 200 || !answer.json().value("mfa_required").toBool()) {
            qWarning("no MFA challenge: %d %s", answer.status, answer.body.constData());
            return {};
        }
        return answer.json().value("mfa_token").toString();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_backend.start()); }

    void init()
    {
        if (!m_backend.isPostgres())
            return;
        RedisUrl url = *RedisUrl::parse(m_backend.redis()->url());
        RedisKeyValueStore store(url, std::chrono::seconds(2), std::chrono::seconds(2));
        QVERIFY(store.command({"FLUSHALL"}).ok());
    }

    void enrolLoginRecoverRegenerateDisable()
    {
        ServerProcess server(environment({{"AUTHSHIELD_LOG_LEVEL", "debug"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(db);
        const QString userId = seedUser(*db, {"ann@example.com", kPassword});
        QVERIFY(!userId.isEmpty());
        const quint16 port = server.port();
        QVERIFY(waitForFreshStep());

        const TestResponse first = login(port, "ann@example.com", kPassword);
        QCOMPARE(first.status, 200);
        const QString access = accessOf(first);
        QCOMPARE(get(port, "/api/v1/users/me/mfa", access).json(),
                 QJsonObject({{"totp_enabled", false}, {"recovery_codes_remaining", 0}}));

        // Enrolment needs the password; a second start replaces the pending secret.
        const TestResponse wrongPassword
            = post(port, "/api/v1/users/me/mfa/totp", {{"password", "not my password"}}, access);
        QCOMPARE(wrongPassword.status, 422);
        const TestResponse discarded = post(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}}, access);
        QCOMPARE(discarded.status, 200);
        const QByteArray discardedSecret = *Totp::base32Decode(discarded.json().value("secret").toString());
        const TestResponse started = post(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}}, access);
        QCOMPARE(started.status, 200);
        QCOMPARE(started.header("cache-control"), QByteArray("no-store"));
        const QString secretText = started.json().value("secret").toString();
        const QByteArray secret = *Totp::base32Decode(secretText);
        QCOMPARE(secret.size(), Totp::kSecretBytes);
        QVERIFY(secret != discardedSecret);
        QVERIFY(started.json().value("otpauth_uri").toString().startsWith("otpauth://totp/AuthShield:ann%40example.com?secret="
                                                                         + secretText));
        QVERIFY(started.json().value("qr_svg").toString().startsWith("<svg"));
        // Pending until confirmed: login still answers tokens.
        QVERIFY(!accessOf(login(port, "ann@example.com", kPassword)).isEmpty());

        // The replaced secret's code and a wrong code do not confirm; the previous step's code does (window -1).
        QCOMPARE(post(port, "/api/v1/users/me/mfa/totp/confirm", {{"code", codeAt(discardedSecret, 0)}}, access).status,
                 422);
        const TestResponse confirmed
            = post(port, "/api/v1/users/me/mfa/totp/confirm", {{"code", codeAt(secret, -1)}}, access);
        QCOMPARE(confirmed.status, 200);
        const QJsonArray recovery = confirmed.json().value("recovery_codes").toArray();
        QCOMPARE(recovery.size(), 10);
        QCOMPARE(get(port, "/api/v1/users/me/mfa", access).json(),
                 QJsonObject({{"totp_enabled", true}, {"recovery_codes_remaining", 10}}));
        QCOMPARE(post(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}}, access).status, 409);

        // The password alone no longer gives tokens.
        const TestResponse challenged = login(port, "ann@example.com", kPassword);
        QCOMPARE(challenged.status, 200);
        QVERIFY(challenged.json().value("mfa_required").toBool());
        QCOMPARE(challenged.json().value("expires_in").toInt(), 300);
        QVERIFY(!challenged.json().contains("access_token"));
        const QString token = challenged.json().value("mfa_token").toString();
        QVERIFY(token.size() >= 40);

        const TestResponse wrong = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", "000000"}});
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.errorCode(), QStringLiteral("invalid_credentials"));
        const QString currentCode = codeAt(secret, 0);
        const TestResponse verified
            = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", currentCode}});
        QCOMPARE(verified.status, 200);
        QVERIFY(!accessOf(verified).isEmpty());
        QVERIFY(!verified.json().value("refresh_token").toString().isEmpty());
        QCOMPARE(get(port, "/api/v1/users/me/mfa", accessOf(verified)).status, 200);

        // The token is spent; the code is spent (replay within its window).
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", codeAt(secret, 1)}}).errorCode(),
                 QStringLiteral("invalid_token"));
        const QString token2 = mfaToken(port, "ann@example.com");
        const TestResponse replay = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token2}, {"code", currentCode}});
        QCOMPARE(replay.status, 401);
        QCOMPARE(replay.errorCode(), QStringLiteral("invalid_credentials"));

        // Regenerating needs password and a fresh code (the next step's: window +1); old recovery codes die.
        const TestResponse regenerated = post(port, "/api/v1/users/me/mfa/recovery-codes",
                                              {{"password", kPassword}, {"code", codeAt(secret, 1)}}, access);
        QCOMPARE(regenerated.status, 200);
        const QJsonArray newCodes = regenerated.json().value("recovery_codes").toArray();
        QCOMPARE(newCodes.size(), 10);
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token2}, {"recovery_code", recovery.at(0)}}).status,
                 401);

        // A recovery code works once.
        const QString recoveryCode = newCodes.at(3).toString();
        const TestResponse recovered
            = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token2}, {"recovery_code", recoveryCode.toUpper()}});
        QCOMPARE(recovered.status, 200);
        QVERIFY(!accessOf(recovered).isEmpty());
        const QString token3 = mfaToken(port, "ann@example.com");
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token3}, {"recovery_code", recoveryCode}}).status,
                 401);
        QCOMPARE(get(port, "/api/v1/users/me/mfa", access).json().value("recovery_codes_remaining").toInt(), 9);

        // Secrets at rest: sealed secret, hashed recovery codes. (Scoped: an open SQLite statement would pin the
        // connection's snapshot.)
        {
            SqlQuery row = db->prepare("SELECT secret_sealed FROM mfa_totp WHERE user_id = :id");
            row.bind(":id", userId);
            QVERIFY(row.exec().ok() && row.next());
            const QByteArray sealed = row.blob(0);
            QVERIFY(sealed.size() > secret.size());
            QVERIFY(!sealed.contains(secret));
            QVERIFY(!sealed.contains(secretText.toLatin1()));
            SqlQuery hashes = db->prepare("SELECT code_hash FROM mfa_recovery_codes");
            QVERIFY(hashes.exec().ok());
            int rows = 0;
            while (hashes.next()) {
                ++rows;
                for (const QJsonValue& code : newCodes)
                    QVERIFY(!hashes.blob(0).contains(code.toString().toLatin1()));
            }
            QCOMPARE(rows, 10);
        }

        // Disabling needs the password and a code or recovery code.
        QCOMPARE(remove(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}}, access).status, 422);
        QCOMPARE(remove(port, "/api/v1/users/me/mfa/totp", {{"password", "wrong"}, {"recovery_code", newCodes.at(4)}},
                        access)
                     .status,
                 422);
        QCOMPARE(remove(port, "/api/v1/users/me/mfa/totp", {{"password", kPassword}, {"recovery_code", newCodes.at(4)}},
                        access)
                     .status,
                 204);
        QCOMPARE(get(port, "/api/v1/users/me/mfa", access).json(),
                 QJsonObject({{"totp_enabled", false}, {"recovery_codes_remaining", 0}}));
        QVERIFY(!accessOf(login(port, "ann@example.com", kPassword)).isEmpty());

        // Audited and counted.
        for (const char* type : {"auth.mfa.enrolled", "auth.mfa.disabled", "auth.mfa.recovery_code_used"})
            QVERIFY2(count(*db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE type = '%1'").arg(QLatin1String(type))) >= 1,
                     type);
        QVERIFY(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.mfa.succeeded'") >= 3);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.mfa.failed' "
                            "AND details LIKE '%replayed_code%'"),
                 1);
        TestHttpClient client(port);
        const QByteArray metrics = client.get("/metrics").body;
        QVERIFY(metrics.contains("authshield_mfa_events_total{event=\"enrolled\"} 1\n"));
        QVERIFY(metrics.contains("authshield_mfa_events_total{event=\"recovery_code_used\"} 2\n"));
        QVERIFY(metrics.contains("authshield_mfa_events_total{event=\"disabled\"} 1\n"));

        // Nothing secret in the log (debug level) or the audit details.
        QByteArray audit;
        SqlQuery details = db->prepare("SELECT details FROM audit_events");
        QVERIFY(details.exec().ok());
        while (details.next())
            audit += details.string(0).toUtf8() + '\n';
        const QByteArray log = server.log();
        QStringList secrets{secretText, token, token2, token3};
        for (const QJsonValue& code : newCodes)
            secrets.append(code.toString());
        for (const QString& value : std::as_const(secrets)) {
            QVERIFY2(!log.contains(value.toUtf8()), qPrintable("log leaks " + value.left(6)));
            QVERIFY2(!audit.contains(value.toUtf8()), qPrintable("audit leaks " + value.left(6)));
        }
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void wrongCodesLockTheAccount()
    {
        ServerProcess server(environment({{"AUTHSHIELD_LOCKOUT_MAX_FAILURES", "3"},
                                          {"AUTHSHIELD_LOCKOUT_WINDOW", "60s"},
                                          {"AUTHSHIELD_LOCKOUT_DURATION", "60s"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(!seedUser(*db, {"bob@example.com", kPassword}).isEmpty());
        const quint16 port = server.port();
        QVERIFY(waitForFreshStep());
        const QByteArray secret = enrol(port, accessOf(login(port, "bob@example.com", kPassword)));
        QVERIFY(!secret.isEmpty());

        // Password (1), two wrong codes (2, 3): locked. The password step did not reset the count.
        const QString token = mfaToken(port, "bob@example.com");
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", "111111"}}).status, 401);
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", "222222"}}).status, 401);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.lockout'"), 1);
        const TestResponse locked = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", codeAt(secret, 0)}});
        QCOMPARE(locked.status, 401);
        QCOMPARE(locked.errorCode(), QStringLiteral("invalid_credentials"));
        QCOMPARE(login(port, "bob@example.com", kPassword).errorCode(), QStringLiteral("invalid_credentials"));
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'auth.mfa.failed'"), 3);
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void tokenTriesAndIpLimit()
    {
        ServerProcess server(environment({{"AUTHSHIELD_RATELIMIT_MFA_IP", "8/60s"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(!seedUser(*db, {"cai@example.com", kPassword}).isEmpty());
        const quint16 port = server.port();
        QVERIFY(waitForFreshStep());
        const QByteArray secret = enrol(port, accessOf(login(port, "cai@example.com", kPassword))); // mfa_ip: 1
        QVERIFY(!secret.isEmpty());

        // Five wrong codes (2..6), then the token is dead even for the right code (7).
        const QString token = mfaToken(port, "cai@example.com");
        for (int i = 0; i < 5; ++i) {
            const TestResponse wrong = post(port, "/api/v1/auth/mfa/verify",
                                            {{"mfa_token", token}, {"code", QStringLiteral("12345%1").arg(i)}});
            QCOMPARE(wrong.errorCode(), QStringLiteral("invalid_credentials"));
        }
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", codeAt(secret, 0)}}).errorCode(),
                 QStringLiteral("invalid_token"));
        // A new token (8) works until the per-IP limit: the ninth MFA request of the minute is refused.
        const QString token2 = mfaToken(port, "cai@example.com");
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token2}, {"code", "999999"}}).status, 401);
        const TestResponse limited
            = post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token2}, {"code", codeAt(secret, 0)}});
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.errorCode(), QStringLiteral("rate_limited"));
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void tokenExpires()
    {
        ServerProcess server(environment({{"AUTHSHIELD_MFA_TOKEN_TTL", "1s"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        QVERIFY(!seedUser(*db, {"dee@example.com", kPassword}).isEmpty());
        const quint16 port = server.port();
        QVERIFY(waitForFreshStep());
        const QByteArray secret = enrol(port, accessOf(login(port, "dee@example.com", kPassword)));
        QVERIFY(!secret.isEmpty());
        const TestResponse challenged = login(port, "dee@example.com", kPassword);
        QCOMPARE(challenged.json().value("expires_in").toInt(), 1);
        QTest::qWait(1500); // the token's lifetime passing is what is tested, not a synchronisation
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify",
                      {{"mfa_token", challenged.json().value("mfa_token").toString()}, {"code", codeAt(secret, 0)}})
                     .errorCode(),
                 QStringLiteral("invalid_token"));
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    void requiredRoleForcesEnrolmentAndAdminResets()
    {
        ServerProcess server(environment({{"AUTHSHIELD_MFA_REQUIRED_ROLES", "admin"}}));
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(server.env(), server.dataDir());
        const QString adminId = seedUser(*db, {"root@example.com", kPassword, true, false, {"user", "admin"}});
        const QString userId = seedUser(*db, {"eve@example.com", kPassword});
        QVERIFY(!adminId.isEmpty() && !userId.isEmpty());
        const quint16 port = server.port();
        QVERIFY(waitForFreshStep());

        // A plain user is not affected.
        const QString userAccess = accessOf(login(port, "eve@example.com", kPassword));
        QVERIFY(!userAccess.isEmpty());

        // The admin must enrol before getting tokens; the token allows nothing else.
        const TestResponse forced = login(port, "root@example.com", kPassword);
        QCOMPARE(forced.status, 200);
        QVERIFY(forced.json().value("mfa_enrolment_required").toBool());
        QVERIFY(!forced.json().contains("access_token"));
        const QString token = forced.json().value("mfa_token").toString();
        QCOMPARE(post(port, "/api/v1/auth/mfa/verify", {{"mfa_token", token}, {"code", "123456"}}).errorCode(),
                 QStringLiteral("invalid_token"));
        const TestResponse started = post(port, "/api/v1/auth/mfa/enrol", {{"mfa_token", token}});
        QCOMPARE(started.status, 200);
        const QByteArray secret = *Totp::base32Decode(started.json().value("secret").toString());
        QCOMPARE(post(port, "/api/v1/auth/mfa/enrol/confirm", {{"mfa_token", token}, {"code", "000000"}}).errorCode(),
                 QStringLiteral("invalid_credentials"));
        const TestResponse enrolled
            = post(port, "/api/v1/auth/mfa/enrol/confirm", {{"mfa_token", token}, {"code", codeAt(secret, -1)}});
        QCOMPARE(enrolled.status, 200);
        QCOMPARE(enrolled.json().value("recovery_codes").toArray().size(), 10);
        const QString adminAccess = accessOf(enrolled);
        QVERIFY(!adminAccess.isEmpty());
        QCOMPARE(post(port, "/api/v1/auth/mfa/enrol/confirm", {{"mfa_token", token}, {"code", codeAt(secret, 0)}})
                     .errorCode(),
                 QStringLiteral("invalid_token"));
        QVERIFY(login(port, "root@example.com", kPassword).json().value("mfa_required").toBool());

        // The user turns MFA on and signs in with it.
        QStringList codes;
        const QByteArray userSecret = enrol(port, userAccess, &codes);
        QVERIFY(!userSecret.isEmpty());
        const TestResponse signedIn = post(port, "/api/v1/auth/mfa/verify",
                                           {{"mfa_token", mfaToken(port, "eve@example.com")}, {"code", codeAt(userSecret, 0)}});
        QCOMPARE(signedIn.status, 200);
        const QString userRefresh = signedIn.json().value("refresh_token").toString();

        // Admin view and reset; a user without users.read/users.write may do neither.
        const QByteArray path = "/api/v1/admin/users/" + userId.toLatin1() + "/mfa";
        QCOMPARE(get(port, path, userAccess).status, 403);
        QCOMPARE(post(port, path + "/reset", {}, userAccess).status, 403);
        const TestResponse detail = get(port, path, adminAccess);
        QCOMPARE(detail.status, 200);
        QCOMPARE(detail.json().value("totp_enabled").toBool(), true);
        QCOMPARE(detail.json().value("recovery_codes_remaining").toInt(), 10);
        QVERIFY(QDateTime::fromString(detail.json().value("enrolled_at").toString(), Qt::ISODateWithMs).isValid());
        QCOMPARE(get(port, "/api/v1/admin/users/00000000-0000-4000-8000-000000000000/mfa", adminAccess).status, 404);
        QCOMPARE(post(port, path + "/reset", {}, adminAccess).status, 204);
        QCOMPARE(get(port, path, adminAccess).json().value("totp_enabled").toBool(), false);
        QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'admin.mfa.reset' AND actor_id = '"
                                + adminId + "' AND subject_id = '" + userId + "'"),
                 1);
        // Signed out everywhere, told by mail, and back to password-only sign-in.
        QCOMPARE(post(port, "/api/v1/auth/refresh", {{"refresh_token", userRefresh}}).status, 401);
        QTRY_COMPARE_WITH_TIMEOUT(mailsTo(server.dataDir(), "eve@example.com").size(), 1, 10000);
        QVERIFY(mailsTo(server.dataDir(), "eve@example.com").first().subject().contains("two-factor"));
        QVERIFY(!accessOf(login(port, "eve@example.com", kPassword)).isEmpty());
        TestHttpClient client(port);
        QVERIFY(client.get("/metrics").body.contains("authshield_mfa_events_total{event=\"reset\"} 1\n"));
        db.reset();
        QVERIFY(stopCleanly(server));
    }

    // The stored setting (admin API: MfaPolicy::update) overrides [mfa] required_roles; invalid changes are refused.
    void policySettingOverridesTheDefault()
    {
        const QMap<QString, QString> env = environment({{"AUTHSHIELD_MFA_REQUIRED_ROLES", "admin"}});
        ServerProcess migrate(env);
        QVERIFY2(migrate.start(), migrate.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(migrate.env(), migrate.dataDir());
        QVERIFY(!seedUser(*db, {"fay@example.com", kPassword, true, false, {"user", "auditor"}}).isEmpty());
        QVERIFY(!seedUser(*db, {"gus@example.com", kPassword, true, false, {"user", "admin"}}).isEmpty());
        {
            SystemClock clock;
            InProcessKeyValueStore store(clock);
            AuditLog audit(*db, clock);
            MfaPolicy policy({"admin"}, *db, store, audit, clock, nullptr);
            QCOMPARE(policy.toJson(), QJsonObject({{"required_roles", QJsonArray{"admin"}}}));
            const Result<QJsonObject> refused
                = policy.update({{"required_roles", QJsonArray{"auditor", "no-such-role"}}}, {}, {});
            QVERIFY(!refused.ok());
            QCOMPARE(refused.error().code, ErrorCode::ValidationFailed);
            QVERIFY(refused.error().fields.contains("mfa.required_roles"));
            QVERIFY(!policy.update({{"required_roles", "auditor"}}, {}, {}).ok());
            QVERIFY(!policy.update({{"unknown", true}}, {}, {}).ok());
            const Result<QJsonObject> changed = policy.update({{"required_roles", QJsonArray{"auditor"}}}, {}, {});
            QVERIFY(changed.ok());
            QCOMPARE(*changed, QJsonObject({{"required_roles", QJsonArray{"auditor"}}}));
            QVERIFY(policy.isRequiredFor({"user", "auditor"}));
            QVERIFY(!policy.isRequiredFor({"user", "admin"}));
            QCOMPARE(count(*db, "SELECT COUNT(*) FROM audit_events WHERE type = 'settings.mfa.changed' "
                                "AND details LIKE '%auditor%'"),
                     1);
        }
        db.reset();
        QVERIFY(stopCleanly(migrate));

        // A server started with the same default now requires MFA of auditors, not of admins.
        ServerProcess server(env);
        server.setDataDir(migrate.dataDir());
        QVERIFY2(server.start(), server.log().constData());
        QVERIFY(login(server.port(), "fay@example.com", kPassword).json().value("mfa_enrolment_required").toBool());
        QVERIFY(!accessOf(login(server.port(), "gus@example.com", kPassword)).isEmpty());
        QVERIFY(stopCleanly(server));
    }
};

QTEST_GUILESS_MAIN(TestMfa)
#include "tst_mfa.moc"
