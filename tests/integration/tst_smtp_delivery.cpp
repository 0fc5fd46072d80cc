#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/SmtpSink.h"
#include "tests/support/TestHttpClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace authshield::server;
using namespace authshield::test;

namespace {

const QString kPassword = QStringLiteral("violet staple orbit 42");
const QString kSmtpUser = QStringLiteral("authshield-mailer");
const QString kSmtpPassword = QStringLiteral("Smtp-Pa55-never-shown");
constexpr int kMailTimeoutMs = 20000;

QJsonObject body(std::initializer_list<QPair<QString, QJsonValue>> fields)
{
    QJsonObject object;
    for (const auto& [name, value] : fields)
        object.insert(name, value);
    return object;
}

QList<QPair<QByteArray, QByteArray>> headers(const QString& token = {})
{
    QList<QPair<QByteArray, QByteArray>> list{{"User-Agent", "tst_smtp_delivery/1.0"}};
    if (!token.isEmpty())
        list.append(qMakePair(QByteArray("Authorization"), TestHttpClient::bearer(token)));
    return list;
}

// Environment of a server delivering through the sink (config-file [smtp] keys, via the environment).
QMap<QString, QString> smtpServer(QMap<QString, QString> env, const SmtpSink& sink)
{
    env = withoutThrottling(env);
    env.insert("AUTHSHIELD_PASSWORD_ARGON2_MEMORY_KIB", "8192");
    env.insert("AUTHSHIELD_PASSWORD_ARGON2_ITERATIONS", "1");
    env.insert("AUTHSHIELD_LOCKOUT_MAX_FAILURES", "3");
    env.insert("AUTHSHIELD_LOCKOUT_DURATION", "1h");
    env.insert("AUTHSHIELD_MAIL_RETRY_BASE", "1s");
    env.insert("AUTHSHIELD_MAIL_MAX_ATTEMPTS", "3");
    env.insert("AUTHSHIELD_MAIL_POLL_INTERVAL", "50ms");
    env.insert("AUTHSHIELD_SMTP_HOST", "localhost");
    env.insert("AUTHSHIELD_SMTP_PORT", QString::number(sink.port()));
    env.insert("AUTHSHIELD_SMTP_SECURITY", "starttls");
    env.insert("AUTHSHIELD_SMTP_USERNAME", kSmtpUser);
    env.insert("AUTHSHIELD_SMTP_PASSWORD", kSmtpPassword);
    env.insert("AUTHSHIELD_SMTP_CA_FILE", sink.caFile());
    env.insert("AUTHSHIELD_SMTP_FROM_ADDRESS", "accounts@authshield.test");
    env.insert("AUTHSHIELD_SMTP_FROM_NAME", "AuthShield");
    env.insert("AUTHSHIELD_SMTP_TIMEOUT", "5s");
    return env;
}

QString templateOf(const SmtpSink::Message& message)
{
    return message.parsed.header("x-authshield-template");
}

QString readyDetail(quint16 port, const QString& check)
{
    TestHttpClient client(port);
    return client.get("/ready").json()["checks"].toObject()[check].toObject()["detail"].toString();
}

QString metrics(quint16 port)
{
    TestHttpClient client(port);
    return QString::fromUtf8(client.get("/metrics").body);
}

double metricValue(quint16 port, const QString& name)
{
    const QRegularExpression line(QStringLiteral("\\n") + name + QStringLiteral(" ([0-9.e+]+)"));
    const QRegularExpressionMatch match = line.match(metrics(port));
    return match.hasMatch() ? match.captured(1).toDouble() : 0.0;
}

} // namespace

// Every mail flow through a real SMTP conversation (STARTTLS + AUTH) into the test sink, on SQLite and PostgreSQL:
// the mails arrive and their links work once, temporary failures are retried, permanent ones marked failed and
// counted, a crash loses nothing and sends nothing twice, two instances never send one row twice, and the admin
// API manages the settings and the test-send without ever showing the password.
class TestSmtpDelivery : public QObject
{
    Q_OBJECT

private:
    TestResponse post(const QByteArray& path, const QJsonObject& json, const QString& token = {})
    {
        TestHttpClient client(m_server->port());
        return client.postJson(path, json, headers(token));
    }

    TestResponse call(const QByteArray& method, const QByteArray& path, const QString& token,
                      const QJsonObject& json = {})
    {
        TestHttpClient client(m_server->port());
        QList<QPair<QByteArray, QByteArray>> list = headers(token);
        QByteArray payload;
        if (!json.isEmpty()) {
            payload = QJsonDocument(json).toJson(QJsonDocument::Compact);
            list.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        }
        return client.request(method, path, payload, list);
    }

    QList<SmtpSink::Message> mailsOf(const QString& address, const QString& templateName) const
    {
        QList<SmtpSink::Message> found;
        for (const SmtpSink::Message& message : m_sink->messagesTo(address))
            if (templateOf(message) == templateName)
                found.append(message);
        return found;
    }

    SmtpSink::Message waitForMail(const QString& address, const QString& templateName, int count = 1)
    {
        if (!QTest::qWaitFor([&] { return mailsOf(address, templateName).size() >= count; }, kMailTimeoutMs))
            qWarning("no %s mail #%d to %s", qPrintable(templateName), count, qPrintable(address));
        return mailsOf(address, templateName).value(count - 1);
    }

    bool createVerifiedAccount(const QString& email)
    {
        if (post("/api/v1/auth/register", body({{"email", email}, {"password", kPassword}})).status != 202)
            return false;
        const QString token = waitForMail(email, "verify_email").parsed.linkToken("/verify-email");
        return !token.isEmpty() && post("/api/v1/auth/verify-email", body({{"token", token}})).status == 200;
    }

    QString accessToken(const QString& email, const QString& password = kPassword)
    {
        return post("/api/v1/auth/login", body({{"email", email}, {"password", password}}))
            .json()["access_token"]
            .toString();
    }

    QString adminToken()
    {
        if (m_adminToken.isEmpty()) {
            std::unique_ptr<Database> database = openServerDatabase(m_server->env(), m_server->dataDir());
            if (!database)
                return {};
            SeedUser admin;
            admin.email = "root@example.com";
            admin.password = kPassword;
            admin.roles = {"admin"};
            if (seedUser(*database, admin).isEmpty())
                return {};
            m_adminToken = accessToken(admin.email);
        }
        return m_adminToken;
    }

    // Every audit row of a type, as JSON text.
    QStringList auditRows(const QString& type)
    {
        std::unique_ptr<Database> database = openServerDatabase(m_server->env(), m_server->dataDir());
        QStringList rows;
        if (!database)
            return rows;
        SqlQuery query = database->prepare("SELECT details FROM audit_events WHERE type = :type");
        query.bind(":type", type);
        if (query.exec().ok())
            while (query.next())
                rows.append(query.string(0));
        return rows;
    }

    int outboxRows(ServerProcess& server, const QString& status)
    {
        std::unique_ptr<Database> database = openServerDatabase(server.env(), server.dataDir());
        if (!database)
            return -1;
        SqlQuery query = database->prepare("SELECT COUNT(*) FROM mail_outbox WHERE status = :status");
        query.bind(":status", status);
        return query.exec().ok() && query.next() ? static_cast<int>(query.int64(0)) : -1;
    }

    BackendFixture m_backend;
    std::unique_ptr<SmtpSink> m_sink;
    std::unique_ptr<ServerProcess> m_server;
    QString m_adminToken;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_backend.start());
        m_sink = std::make_unique<SmtpSink>(SmtpSink::Mode::StartTls);
        m_sink->setCredentials(kSmtpUser, kSmtpPassword);
        QVERIFY(m_sink->start());
        m_server = std::make_unique<ServerProcess>(smtpServer(m_backend.serverEnvironment("smtp"), *m_sink));
        QVERIFY2(m_server->start(), m_server->log().constData());
    }

    void cleanupTestCase()
    {
        if (m_server) {
            const QByteArray log = m_server->log();
            QVERIFY2(!log.contains(kSmtpPassword.toUtf8()), "the SMTP password appears in the server log");
            const int exitCode = m_server->stop();
            QVERIFY2(exitCode == 0, m_server->log().right(3000).constData());
        }
    }

    void cleanup() { m_sink->clearFailure(); }

    void readyShowsTheSmtpCheck()
    {
        QTRY_VERIFY_WITH_TIMEOUT(readyDetail(m_server->port(), "smtp").startsWith("ok: localhost:"), 15000);
        TestHttpClient client(m_server->port());
        const TestResponse ready = client.get("/ready");
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.json()["checks"].toObject()["mail"].toObject()["backend"].toString(), QStringLiteral("smtp"));
    }

    void registrationMailArrivesOverStartTlsAndItsLinkWorksOnce()
    {
        const QString email = "alice@example.com";
        QCOMPARE(post("/api/v1/auth/register", body({{"email", email}, {"password", kPassword}})).status, 202);
        const SmtpSink::Message mail = waitForMail(email, "verify_email");
        QVERIFY(mail.tls);
        QCOMPARE(mail.authUser, kSmtpUser);
        QCOMPARE(mail.from, QStringLiteral("accounts@authshield.test"));
        QCOMPARE(mail.parsed.header("from"), QStringLiteral("AuthShield <accounts@authshield.test>"));
        QCOMPARE(mail.parsed.subject(), QStringLiteral("Confirm your email address"));
        const QString token = mail.parsed.linkToken("/verify-email");
        QCOMPARE(token.size(), 43);
        QCOMPARE(post("/api/v1/auth/verify-email", body({{"token", token}})).status, 200);
        QCOMPARE(post("/api/v1/auth/verify-email", body({{"token", token}})).status, 422);
        QVERIFY(!accessToken(email).isEmpty());

        // Registering again mails the owner a notice instead (and answers the same).
        QCOMPARE(post("/api/v1/auth/register", body({{"email", email}, {"password", kPassword}})).status, 202);
        const SmtpSink::Message notice = waitForMail(email, "account_exists");
        QCOMPARE(notice.parsed.subject(), QStringLiteral("Someone tried to register with your email address"));
    }

    void forgotPasswordMailResetsThePassword()
    {
        const QString email = "bob@example.com";
        QVERIFY(createVerifiedAccount(email));
        QCOMPARE(post("/api/v1/auth/forgot-password", body({{"email", email}})).status, 202);
        const QString token = waitForMail(email, "password_reset").parsed.linkToken("/reset-password");
        QCOMPARE(token.size(), 43);
        const QString newPassword = "brand new harbour lights";
        QCOMPARE(post("/api/v1/auth/reset-password", body({{"token", token}, {"new_password", newPassword}})).status,
                 204);
        QCOMPARE(post("/api/v1/auth/reset-password", body({{"token", token}, {"new_password", "another fine one 9"}}))
                     .status,
                 422);
        QVERIFY(!accessToken(email, newPassword).isEmpty());
        QCOMPARE(waitForMail(email, "password_changed").parsed.subject(), QStringLiteral("Your password was changed"));
    }

    void emailChangeMailsBothAddresses()
    {
        const QString oldEmail = "carol@example.com";
        const QString newEmail = "carol@new.example.org";
        QVERIFY(createVerifiedAccount(oldEmail));
        const QString access = accessToken(oldEmail);
        QCOMPARE(call("POST", "/api/v1/users/me/email", access, body({{"new_email", newEmail}, {"password", kPassword}}))
                     .status,
                 202);
        const QString token = waitForMail(newEmail, "email_change_verify").parsed.linkToken("/verify-email");
        QCOMPARE(post("/api/v1/auth/verify-email", body({{"token", token}})).status, 200);
        QVERIFY(waitForMail(oldEmail, "email_change_notice").parsed.text.contains(newEmail));
        QCOMPARE(post("/api/v1/auth/verify-email", body({{"token", token}})).status, 422);
    }

    void lockoutNoticeReachesTheOwner()
    {
        const QString email = "dave@example.com";
        QVERIFY(createVerifiedAccount(email));
        for (int i = 0; i < 3; ++i)
            post("/api/v1/auth/login", body({{"email", email}, {"password", "wrong password entirely"}}));
        const SmtpSink::Message notice = waitForMail(email, "account_locked");
        QVERIFY(!notice.parsed.subject().isEmpty());
    }

    void temporaryFailureIsRetriedThenDelivered()
    {
        const QString email = "erin@example.com";
        const double failuresBefore = metricValue(m_server->port(), "authshield_mail_delivery_failures_total");
        m_sink->failAt(SmtpSink::Step::RcptTo, SmtpSink::Failure::Temporary, 1);
        QCOMPARE(post("/api/v1/auth/register", body({{"email", email}, {"password", kPassword}})).status, 202);
        const SmtpSink::Message mail = waitForMail(email, "verify_email");
        QVERIFY(!mail.parsed.linkToken("/verify-email").isEmpty());
        QVERIFY(metricValue(m_server->port(), "authshield_mail_delivery_failures_total") >= failuresBefore + 1);
        QVERIFY(m_server->log().contains("450 4.2.0 mailbox busy"));
        QCOMPARE(mailsOf(email, "verify_email").size(), 1);
    }

    void permanentFailureIsMarkedAndCounted()
    {
        const QString email = "frank@example.com";
        const double givenUpBefore = metricValue(m_server->port(), "authshield_mail_failed_total");
        m_sink->failAt(SmtpSink::Step::RcptTo, SmtpSink::Failure::Permanent, 1);
        QCOMPARE(post("/api/v1/auth/register", body({{"email", email}, {"password", kPassword}})).status, 202);
        QTRY_VERIFY_WITH_TIMEOUT(metricValue(m_server->port(), "authshield_mail_failed_total") >= givenUpBefore + 1,
                                 kMailTimeoutMs);
        QVERIFY(outboxRows(*m_server, "failed") >= 1);
        QVERIFY(readyDetail(m_server->port(), "mail").contains(QRegularExpression(" [1-9][0-9]* failed")));
        QVERIFY(m_server->log().contains("550 5.1.1 no such user here"));
        QVERIFY(mailsOf(email, "verify_email").isEmpty());
    }

    void adminReadsAndChangesSettingsWithoutSeeingThePassword()
    {
        const QString token = adminToken();
        QVERIFY(!token.isEmpty());
        const TestResponse shown = call("GET", "/api/v1/admin/settings/smtp", token);
        QCOMPARE(shown.status, 200);
        QCOMPARE(shown.json()["password_set"].toBool(), true);
        QCOMPARE(shown.json()["host"].toString(), QStringLiteral("localhost"));
        QCOMPARE(shown.json()["source"].toString(), QStringLiteral("config"));
        QVERIFY(!shown.json().contains("password"));
        QVERIFY(!shown.body.contains(kSmtpPassword.toUtf8()));

        const TestResponse bad
            = call("PUT", "/api/v1/admin/settings/smtp", token, body({{"port", 70000}, {"security", "ssl"}}));
        QCOMPARE(bad.status, 422);
        const QJsonObject fields = bad.json()["error"].toObject()["fields"].toObject();
        QVERIFY(fields.contains("port"));
        QVERIFY(fields.contains("security"));

        // A new password applies to the next mail without a restart.
        const QString newPassword = "Rotated-Smtp-Secret-77";
        m_sink->setCredentials(kSmtpUser, newPassword);
        const TestResponse changed = call("PUT", "/api/v1/admin/settings/smtp", token,
                                          body({{"password", newPassword}, {"from_name", "AuthShield Accounts"}}));
        QCOMPARE(changed.status, 200);
        QCOMPARE(changed.json()["source"].toString(), QStringLiteral("database"));
        QCOMPARE(changed.json()["from_name"].toString(), QStringLiteral("AuthShield Accounts"));
        QVERIFY(!changed.body.contains(newPassword.toUtf8()));
        QCOMPARE(post("/api/v1/auth/register", body({{"email", "grace@example.com"}, {"password", kPassword}})).status,
                 202);
        const SmtpSink::Message mail = waitForMail("grace@example.com", "verify_email");
        QCOMPARE(mail.parsed.header("from"), QStringLiteral("AuthShield Accounts <accounts@authshield.test>"));

        const QStringList audits = auditRows("settings.smtp.changed");
        QCOMPARE(audits.size(), 1);
        QVERIFY(audits.first().contains("from_name"));
        QVERIFY(!audits.first().contains(newPassword));
        QVERIFY(!m_server->log().contains(newPassword.toUtf8()));

        // The stored password is sealed, not plaintext.
        std::unique_ptr<Database> database = openServerDatabase(m_server->env(), m_server->dataDir());
        QVERIFY(database);
        SqlQuery row = database->prepare("SELECT value FROM settings WHERE key = 'mail.smtp'");
        QVERIFY(row.exec().ok() && row.next());
        QVERIFY(!row.string(0).contains(newPassword));
        QVERIFY(row.string(0).contains("password_sealed"));
    }

    void adminTestSendReportsEachStep()
    {
        const QString token = adminToken();
        QVERIFY(!token.isEmpty());
        const TestResponse ok
            = call("POST", "/api/v1/admin/settings/smtp/test", token, body({{"to", "ops@example.com"}}));
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.json()["ok"].toBool(), true);
        QStringList steps;
        for (const QJsonValue& step : ok.json()["steps"].toArray())
            steps.append(step["step"].toString());
        QVERIFY2(steps.contains("starttls") && steps.contains("auth") && steps.contains("data"),
                 qPrintable(steps.join(',')));
        QVERIFY(!waitForMail("ops@example.com", "smtp_test").parsed.text.isEmpty());

        m_sink->failAt(SmtpSink::Step::RcptTo, SmtpSink::Failure::Permanent, 1);
        const TestResponse refused
            = call("POST", "/api/v1/admin/settings/smtp/test", token, body({{"to", "nobody@example.com"}}));
        QCOMPARE(refused.status, 200);
        QCOMPARE(refused.json()["ok"].toBool(), false);
        QCOMPARE(refused.json()["failed_step"].toString(), QStringLiteral("rcpt_to"));
        QCOMPARE(refused.json()["error_class"].toString(), QStringLiteral("rejected_recipient"));
        QVERIFY(refused.body.contains("550 5.1.1 no such user here"));

        const TestResponse missing = call("POST", "/api/v1/admin/settings/smtp/test", token, body({{"to", "x"}}));
        QCOMPARE(missing.status, 422);
        QVERIFY(auditRows("settings.smtp.tested").size() >= 2);
        for (const TestResponse* answer : {&ok, &refused})
            QVERIFY(!answer->body.contains(kSmtpPassword.toUtf8()) && !answer->body.contains("Rotated-Smtp-Secret"));

        // Without settings.write the test-send is refused.
        QVERIFY(createVerifiedAccount("plain-user@example.com"));
        const TestResponse forbidden = call("POST", "/api/v1/admin/settings/smtp/test",
                                            accessToken("plain-user@example.com"), body({{"to", "ops@example.com"}}));
        QCOMPARE(forbidden.status, 403);
    }

    void crashBetweenEnqueueAndSendLosesNothingAndSendsOnce()
    {
        SmtpSink sink(SmtpSink::Mode::StartTls);
        sink.setCredentials(kSmtpUser, kSmtpPassword);
        QVERIFY(sink.start());
        sink.pause(); // unreachable: the mail waits in the outbox
        QMap<QString, QString> env = smtpServer(m_backend.serverEnvironment("smtp_crash"), sink);
        env.insert("AUTHSHIELD_MAIL_MAX_ATTEMPTS", "20");
        ServerProcess first(env);
        QVERIFY2(first.start(), first.log().constData());
        TestHttpClient client(first.port());
        QCOMPARE(client.postJson("/api/v1/auth/register", body({{"email", "heidi@example.com"}, {"password", kPassword}}),
                                 headers())
                     .status,
                 202);
        QTRY_VERIFY_WITH_TIMEOUT(first.log().contains("will retry"), kMailTimeoutMs);
        first.kill();

        QVERIFY(sink.resume());
        ServerProcess second(env);
        second.setDataDir(first.dataDir());
        QVERIFY2(second.start(), second.log().constData());
        QVERIFY(sink.waitForMessages(1, kMailTimeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(outboxRows(second, "sent"), 1, kMailTimeoutMs);
        QCOMPARE(outboxRows(second, "pending"), 0);
        QCOMPARE(sink.messagesTo("heidi@example.com").size(), 1);
        QCOMPARE(second.stop(), 0);
    }

    void twoInstancesNeverSendTheSameRowTwice()
    {
        if (!m_backend.isPostgres())
            QSKIP("several processes share one database only on PostgreSQL");
        SmtpSink sink(SmtpSink::Mode::StartTls);
        sink.setCredentials(kSmtpUser, kSmtpPassword);
        QVERIFY(sink.start());
        const QMap<QString, QString> env = smtpServer(m_backend.serverEnvironment("smtp_shared"), sink);
        ServerProcess a(env);
        ServerProcess b(env);
        QVERIFY2(a.start(), a.log().constData());
        QVERIFY2(b.start(), b.log().constData());
        constexpr int kMails = 16;
        for (int i = 0; i < kMails; ++i) {
            TestHttpClient client(i % 2 ? a.port() : b.port());
            QCOMPARE(client.postJson("/api/v1/auth/register",
                                     body({{"email", QStringLiteral("shared%1@example.com").arg(i)}, {"password", kPassword}}),
                                     headers())
                         .status,
                     202);
        }
        QVERIFY(sink.waitForMessages(kMails, kMailTimeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(outboxRows(a, "sent"), kMails, kMailTimeoutMs);
        QSet<QString> ids;
        for (const SmtpSink::Message& message : sink.messages())
            ids.insert(message.parsed.header("message-id"));
        QCOMPARE(sink.messages().size(), kMails);
        QCOMPARE(ids.size(), kMails);
        // Both workers took part (each claims what it finds first; the poll interval is short for both).
        QVERIFY(a.log().contains("mail delivered") || b.log().contains("mail delivered"));
        QCOMPARE(a.stop(), 0);
        QCOMPARE(b.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSmtpDelivery)
#include "tst_smtp_delivery.moc"
