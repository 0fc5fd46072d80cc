#include "server/storage/SqlQuery.h"
#include "server/storage/Database.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/MailFile.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QTest>

#include <memory>

using namespace authshield::test;

namespace {

const QString kPassword = QStringLiteral("violet staple orbit 42");
constexpr int kMailTimeoutMs = 15000;

QMap<QString, QString> fastServer(QMap<QString, QString> env)
{
    // Cheap Argon2 keeps the suite fast; the policy and flows are the same.
    env.insert(QStringLiteral("AUTHSHIELD_PASSWORD_ARGON2_MEMORY_KIB"), QStringLiteral("8192"));
    env.insert(QStringLiteral("AUTHSHIELD_PASSWORD_ARGON2_ITERATIONS"), QStringLiteral("1"));
    return withoutThrottling(env);
}

QJsonObject body(std::initializer_list<QPair<QString, QJsonValue>> fields)
{
    QJsonObject object;
    for (const auto& [name, value] : fields)
        object.insert(name, value);
    return object;
}

QList<MailFile> mailsOf(const QString& dataDir, const QString& address, const QString& templateName)
{
    QList<MailFile> matching;
    for (const MailFile& mail : mailsTo(dataDir, address)) {
        if (mail.header("x-authshield-template") == templateName)
            matching.append(mail);
    }
    return matching;
}

QJsonObject errorFields(const TestResponse& response)
{
    return response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("fields")).toObject();
}

QString fieldReason(const TestResponse& response, const QString& field)
{
    return errorFields(response).value(field).toString();
}

QString mailCheckDetail(const TestResponse& ready)
{
    return ready.json()
        .value(QStringLiteral("checks"))
        .toObject()
        .value(QStringLiteral("mail"))
        .toObject()
        .value(QStringLiteral("detail"))
        .toString();
}

QList<QPair<QByteArray, QByteArray>> userAgent()
{
    return { { QByteArrayLiteral("User-Agent"), QByteArrayLiteral("tst_accounts/1.0") } };
}

QList<QPair<QByteArray, QByteArray>> bearer(const QString& token)
{
    return userAgent()
        + QList<QPair<QByteArray, QByteArray>> { { QByteArrayLiteral("Authorization"),
                                                   TestHttpClient::bearer(token) } };
}

} // namespace

// The account lifecycle through the real binary: registration with mail read back from <data dir>/mail,
// verification, password reset and change, /users/me, email change, and mail surviving a crash.
class TestAccounts : public QObject
{
    Q_OBJECT

private:
    QString dataDir() const { return m_server->dataDir(); }

    TestResponse post(const QByteArray& path, const QJsonObject& json, const QString& token = {})
    {
        TestHttpClient client(m_server->port());
        QList<QPair<QByteArray, QByteArray>> headers = token.isEmpty() ? userAgent() : bearer(token);
        return client.postJson(path, json, headers);
    }

    TestResponse call(const QByteArray& method, const QByteArray& path, const QString& token,
                      const QJsonObject& json = {})
    {
        TestHttpClient client(m_server->port());
        QList<QPair<QByteArray, QByteArray>> headers = bearer(token);
        QByteArray payload;
        if (!json.isEmpty()) {
            payload = QJsonDocument(json).toJson(QJsonDocument::Compact);
            headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
        }
        return client.request(method, path, payload, headers);
    }

    // Waits for the n-th mail of a template to an address and returns it (an empty MailFile on time-out, which
    // the caller's checks on it then report).
    MailFile waitForMail(const QString& address, const QString& templateName, int count = 1)
    {
        const bool arrived = QTest::qWaitFor([&] { return mailsOf(dataDir(), address, templateName).size() >= count; },
                                             kMailTimeoutMs);
        if (!arrived)
            qWarning("no %s mail #%d to %s", qPrintable(templateName), count, qPrintable(address));
        return mailsOf(dataDir(), address, templateName).value(count - 1);
    }

    // register → verification mail → verify-email: an account that can log in.
    bool createVerifiedAccount(const QString& email, const QString& password = kPassword)
    {
        const TestResponse registered
            = post("/api/v1/auth/register", body({ { "email", email }, { "password", password } }));
        if (registered.status != 202)
            return false;
        const MailFile mail = waitForMail(email, QStringLiteral("verify_email"));
        const QString token = mail.linkToken(QStringLiteral("/verify-email"));
        return !token.isEmpty() && post("/api/v1/auth/verify-email", body({ { "token", token } })).status == 200;
    }

    QJsonObject login(const QString& email, const QString& password = kPassword)
    {
        const TestResponse response
            = post("/api/v1/auth/login", body({ { "email", email }, { "password", password } }));
        if (response.status != 200)
            qWarning("login of %s: %d %s", qPrintable(email), response.status, response.body.constData());
        return response.status == 200 ? response.json() : QJsonObject();
    }

    QString accessToken(const QString& email, const QString& password = kPassword)
    {
        return login(email, password).value(QStringLiteral("access_token")).toString();
    }

    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_backend.start());
        m_server = std::make_unique<ServerProcess>(fastServer(m_backend.serverEnvironment(QStringLiteral("accounts"))));
        QVERIFY2(m_server->start(), m_server->log().constData());
    }

    void cleanupTestCase()
    {
        if (m_server) {
            const int exitCode = m_server->stop();
            QVERIFY2(exitCode == 0, m_server->log().right(3000).constData());
        }
    }

    void registrationMailsAVerifyLinkThatWorksOnce()
    {
        const QString email = QStringLiteral("alice@example.com");
        const TestResponse registered = post("/api/v1/auth/register",
                                             body({ { "email", QStringLiteral("  Alice@Example.com ") },
                                                    { "password", kPassword },
                                                    { "display_name", "Alice" } }));
        QCOMPARE(registered.status, 202);
        QCOMPARE(registered.json(), body({ { "status", "verification_sent" } }));

        const MailFile mail = waitForMail(email, QStringLiteral("verify_email"));
        QCOMPARE(mail.subject(), QStringLiteral("Confirm your email address"));
        QCOMPARE(mail.header("from"), QStringLiteral("AuthShield <no-reply@localhost>"));
        QVERIFY(!mail.header("message-id").isEmpty());
        QVERIFY(!mail.header("date").isEmpty());
        const QString token = mail.linkToken(QStringLiteral("/verify-email"));
        QCOMPARE(token.size(), 43);
        const QString link
            = QStringLiteral("http://127.0.0.1:%1/verify-email?token=%2").arg(m_server->port()).arg(token);
        QVERIFY2(mail.text.contains(link), qPrintable(mail.text));
        QVERIFY(mail.html.contains(QStringLiteral("href=\"") + link + u'"'));

        // Not verified yet: the right password gets 403 email_not_verified.
        const TestResponse early = post("/api/v1/auth/login", body({ { "email", email }, { "password", kPassword } }));
        QCOMPARE(early.status, 403);
        QCOMPARE(early.errorCode(), QStringLiteral("email_not_verified"));

        const TestResponse verified = post("/api/v1/auth/verify-email", body({ { "token", token } }));
        QCOMPARE(verified.status, 200);
        QCOMPARE(verified.json(), body({ { "status", "verified" } }));
        const TestResponse again = post("/api/v1/auth/verify-email", body({ { "token", token } }));
        QCOMPARE(again.status, 422);
        QCOMPARE(again.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(fieldReason(again, "token"), QStringLiteral("is invalid, expired or already used"));

        const QString access = accessToken(email);
        QVERIFY(!access.isEmpty());
        const TestResponse me = call("GET", "/api/v1/users/me", access);
        QCOMPARE(me.status, 200);
        QCOMPARE(me.json()["email"].toString(), email);
        QCOMPARE(me.json()["email_verified"].toBool(), true);
        QCOMPARE(me.json()["display_name"].toString(), QStringLiteral("Alice"));
        QCOMPARE(me.json()["roles"].toArray(), QJsonArray { QStringLiteral("user") });
    }

    void invalidVerifyTokensAreRefused_data()
    {
        QTest::addColumn<QJsonObject>("json");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addRow("unknown token") << body({ { "token", QString(43, u'A') } }) << 422 << "validation_failed";
        QTest::addRow("short token") << body({ { "token", "abc" } }) << 422 << "validation_failed";
        QTest::addRow("missing token") << QJsonObject() << 422 << "validation_failed";
        QTest::addRow("token not a string") << body({ { "token", 42 } }) << 422 << "validation_failed";
    }

    void invalidVerifyTokensAreRefused()
    {
        QFETCH(QJsonObject, json);
        QFETCH(int, status);
        QFETCH(QString, code);
        const TestResponse response = post("/api/v1/auth/verify-email", json);
        QCOMPARE(response.status, status);
        QCOMPARE(response.errorCode(), code);
        QVERIFY(errorFields(response).contains(QStringLiteral("token")));
    }

    void registeringAnExistingEmailLooksTheSame()
    {
        const QString email = QStringLiteral("bob@example.com");
        QVERIFY(createVerifiedAccount(email));
        const TestResponse again
            = post("/api/v1/auth/register",
                   body({ { "email", email }, { "password", QStringLiteral("another fine secret") } }));
        QCOMPARE(again.status, 202);
        QCOMPARE(again.body, QByteArray(R"({"status":"verification_sent"})"));

        const MailFile notice = waitForMail(email, QStringLiteral("account_exists"));
        QCOMPARE(notice.subject(), QStringLiteral("Someone tried to register with your email address"));
        QVERIFY(notice.linkToken(QStringLiteral("/verify-email")).isEmpty());
        QCOMPARE(mailsOf(dataDir(), email, QStringLiteral("verify_email")).size(), 1);
        // Still one account, with the first password.
        QVERIFY(!accessToken(email).isEmpty());
        QCOMPARE(post("/api/v1/auth/login", body({ { "email", email }, { "password", "another fine secret" } })).status,
                 401);
    }

    void registrationPolicyFailuresNameTheField_data()
    {
        QTest::addColumn<QJsonObject>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("reason");
        QTest::addRow("too short") << body({ { "email", "p1@example.com" }, { "password", "tz9!pq2" } }) << "password"
                                   << "must be at least 8 characters long";
        QTest::addRow("common password") << body({ { "email", "p2@example.com" }, { "password", "iloveyou" } })
                                         << "password"
                                         << "is one of the 10,000 most common passwords";
        QTest::addRow("contains the email's local part")
            << body({ { "email", "carol.smith@example.com" }, { "password", "Carol.Smith-2026" } }) << "password"
            << "must not contain your email address";
        QTest::addRow("too many bytes") << body({ { "email", "p3@example.com" }, { "password", QString(257, u'x') } })
                                        << "password"
                                        << "must be at most 256 bytes long";
        QTest::addRow("missing password") << body({ { "email", "p4@example.com" } }) << "password"
                                          << "is required";
        QTest::addRow("not an email") << body({ { "email", "not-an-email" }, { "password", kPassword } }) << "email"
                                      << "";
        QTest::addRow("display name over 100 characters") << body(
            { { "email", "p5@example.com" }, { "password", kPassword }, { "display_name", QString(101, u'n') } })
                                                          << "display_name"
                                                          << "must be at most 100 characters";
    }

    void registrationPolicyFailuresNameTheField()
    {
        QFETCH(QJsonObject, json);
        QFETCH(QString, field);
        QFETCH(QString, reason);
        const TestResponse response = post("/api/v1/auth/register", json);
        QCOMPARE(response.status, 422);
        QCOMPARE(response.errorCode(), QStringLiteral("validation_failed"));
        const QJsonObject fields = errorFields(response);
        QVERIFY2(fields.contains(field), response.body.constData());
        if (!reason.isEmpty())
            QCOMPARE(fields.value(field).toString(), reason);
        const QString password = json.value(QStringLiteral("password")).toString();
        if (!password.isEmpty())
            QVERIFY(!response.body.contains(password.toUtf8())); // never echoed
    }

    void resendAndForgotAnswerAlikeForUnknownEmails_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("templateName");
        QTest::addRow("resend-verification") << QByteArray("/api/v1/auth/resend-verification") << "verify_email";
        QTest::addRow("forgot-password") << QByteArray("/api/v1/auth/forgot-password") << "password_reset";
    }

    void resendAndForgotAnswerAlikeForUnknownEmails()
    {
        QFETCH(QByteArray, path);
        QFETCH(QString, templateName);
        const QString known = QStringLiteral("dave-%1@example.com").arg(QString::fromLatin1(QTest::currentDataTag()));
        const QString unknown
            = QStringLiteral("nobody-%1@example.com").arg(QString::fromLatin1(QTest::currentDataTag()));
        QCOMPARE(post("/api/v1/auth/register", body({ { "email", known }, { "password", kPassword } })).status, 202);
        waitForMail(known, QStringLiteral("verify_email"));

        const TestResponse forKnown = post(path, body({ { "email", known } }));
        const TestResponse forUnknown = post(path, body({ { "email", unknown } }));
        QCOMPARE(forKnown.status, 202);
        QCOMPARE(forUnknown.status, 202);
        QCOMPARE(forKnown.body, forUnknown.body);
        const int expected = templateName == QStringLiteral("verify_email") ? 2 : 1;
        const MailFile mail = waitForMail(known, templateName, expected);
        QVERIFY(!mail.linkToken(templateName == QStringLiteral("verify_email") ? QStringLiteral("/verify-email")
                                                                               : QStringLiteral("/reset-password"))
                     .isEmpty());
        // Nothing is ever written for the unknown address (checked after the known one arrived).
        QVERIFY(mailsTo(dataDir(), unknown).isEmpty());
    }

    void resendInvalidatesTheOlderLink()
    {
        const QString email = QStringLiteral("erin@example.com");
        QCOMPARE(post("/api/v1/auth/register", body({ { "email", email }, { "password", kPassword } })).status, 202);
        const QString first
            = waitForMail(email, QStringLiteral("verify_email")).linkToken(QStringLiteral("/verify-email"));
        QCOMPARE(post("/api/v1/auth/resend-verification", body({ { "email", email } })).status, 202);
        const QString second
            = waitForMail(email, QStringLiteral("verify_email"), 2).linkToken(QStringLiteral("/verify-email"));
        QVERIFY(first != second);
        QCOMPARE(post("/api/v1/auth/verify-email", body({ { "token", first } })).status, 422);
        QCOMPARE(post("/api/v1/auth/verify-email", body({ { "token", second } })).status, 200);
    }

    void passwordResetEndToEnd()
    {
        const QString email = QStringLiteral("frank@example.com");
        QVERIFY(createVerifiedAccount(email));
        const QString sessionA = accessToken(email);
        const QJsonObject sessionB = login(email);
        QVERIFY(!sessionA.isEmpty() && !sessionB.isEmpty());

        QCOMPARE(post("/api/v1/auth/forgot-password", body({ { "email", email } })).status, 202);
        const MailFile mail = waitForMail(email, QStringLiteral("password_reset"));
        QCOMPARE(mail.subject(), QStringLiteral("Reset your password"));
        const QString token = mail.linkToken(QStringLiteral("/reset-password"));
        QCOMPARE(token.size(), 43);

        // A refused password does not spend the link.
        const TestResponse weak
            = post("/api/v1/auth/reset-password", body({ { "token", token }, { "new_password", "password1" } }));
        QCOMPARE(weak.status, 422);
        QCOMPARE(fieldReason(weak, "new_password"), QStringLiteral("is one of the 10,000 most common passwords"));
        const TestResponse same
            = post("/api/v1/auth/reset-password", body({ { "token", token }, { "new_password", kPassword } }));
        QCOMPARE(same.status, 422);
        QCOMPARE(fieldReason(same, "new_password"), QStringLiteral("must differ from your current password"));

        const QString newPassword = QStringLiteral("brand new harbour lights");
        const TestResponse reset
            = post("/api/v1/auth/reset-password", body({ { "token", token }, { "new_password", newPassword } }));
        QCOMPARE(reset.status, 204);
        QCOMPARE(post("/api/v1/auth/reset-password",
                      body({ { "token", token }, { "new_password", "yet another good one" } }))
                     .status,
                 422);

        QCOMPARE(post("/api/v1/auth/login", body({ { "email", email }, { "password", kPassword } })).status, 401);
        QVERIFY(!accessToken(email, newPassword).isEmpty());
        // Every session ended: access tokens and refresh tokens alike.
        QTRY_COMPARE_WITH_TIMEOUT(call("GET", "/api/v1/users/me", sessionA).status, 401, 2000);
        const TestResponse refresh
            = post("/api/v1/auth/refresh", body({ { "refresh_token", sessionB.value("refresh_token").toString() } }));
        QCOMPARE(refresh.status, 401);
        const MailFile notice = waitForMail(email, QStringLiteral("password_changed"));
        QCOMPARE(notice.subject(), QStringLiteral("Your password was changed"));
    }

    void lastAdministratorCannotDeleteThemselves()
    {
        std::unique_ptr<authshield::server::Database> db = openServerDatabase(m_server->env(), m_server->dataDir());
        QVERIFY(db);
        // Whatever admins earlier rows left behind, this one is made the only active one.
        QVERIFY(db->exec(QStringLiteral("DELETE FROM user_roles WHERE role = 'admin'")).ok());
        QVERIFY(!seedUser(*db, { "root@example.com", kPassword, true, false, { "user", "admin" } }).isEmpty());
        const QString rootToken = accessToken(QStringLiteral("root@example.com"));
        const TestResponse refused = call("DELETE", "/api/v1/users/me", rootToken, { { "password", kPassword } });
        QCOMPARE(refused.status, 409);
        QCOMPARE(refused.errorCode(), QStringLiteral("last_admin")); // the admin routes' code
        QCOMPARE(call("GET", "/api/v1/users/me", rootToken).status, 200); // still there, still signed in
        authshield::server::SqlQuery audited = db->prepare(QStringLiteral(
            "SELECT COUNT(*) FROM audit_events WHERE type = 'user.delete_failed' AND details LIKE '%last_admin%'"));
        QVERIFY(audited.exec().ok() && audited.next());
        QCOMPARE(audited.int64(0), qint64(1));

        // With a second administrator the first may go.
        QVERIFY(!seedUser(*db, { "root2@example.com", kPassword, true, false, { "user", "admin" } }).isEmpty());
        QCOMPARE(call("DELETE", "/api/v1/users/me", rootToken, { { "password", kPassword } }).status, 204);
    }

    void profileCanBeReadChangedAndDeleted()
    {
        const QString email = QStringLiteral("grace@example.com");
        QVERIFY(createVerifiedAccount(email));
        const QString access = accessToken(email);

        const TestResponse me = call("GET", "/api/v1/users/me", access);
        QCOMPARE(me.status, 200);
        for (const char* key :
             { "id", "email", "email_verified", "display_name", "roles", "created_at", "last_login_at" })
            QVERIFY2(me.json().contains(QLatin1String(key)), key);
        QVERIFY(!me.json()["last_login_at"].isNull());
        QVERIFY(!me.body.contains("password"));

        const TestResponse patched
            = call("PATCH", "/api/v1/users/me", access,
                   body({ { "display_name", QStringLiteral("  Grace\u0007 \u202EHopper\n ") } }));
        QCOMPARE(patched.status, 200);
        QCOMPARE(patched.json()["display_name"].toString(), QStringLiteral("Grace Hopper"));
        QCOMPARE(call("GET", "/api/v1/users/me", access).json()["display_name"].toString(),
                 QStringLiteral("Grace Hopper"));
        QCOMPARE(call("PATCH", "/api/v1/users/me", access, body({ { "display_name", QString(101, u'g') } })).status,
                 422);
        QCOMPARE(call("GET", "/api/v1/users/me", QStringLiteral("not-a-token")).status, 401);

        const TestResponse wrong
            = call("DELETE", "/api/v1/users/me", access, body({ { "password", "not my password" } }));
        QCOMPARE(wrong.status, 422);
        QCOMPARE(fieldReason(wrong, "password"), QStringLiteral("is incorrect"));
        QCOMPARE(call("DELETE", "/api/v1/users/me", access, body({ { "password", kPassword } })).status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(call("GET", "/api/v1/users/me", access).status, 401, 2000);
        QCOMPARE(post("/api/v1/auth/login", body({ { "email", email }, { "password", kPassword } })).status, 401);
        // The address is free again.
        QCOMPARE(post("/api/v1/auth/register", body({ { "email", email }, { "password", kPassword } })).status, 202);
        waitForMail(email, QStringLiteral("verify_email"), 2);
    }

    void emailChangeAppliesOnlyAfterVerification()
    {
        const QString oldEmail = QStringLiteral("heidi@example.com");
        const QString newEmail = QStringLiteral("heidi@new.example.org");
        QVERIFY(createVerifiedAccount(oldEmail));
        const QString access = accessToken(oldEmail);

        const TestResponse wrong = call("POST", "/api/v1/users/me/email", access,
                                        body({ { "new_email", newEmail }, { "password", "wrong password" } }));
        QCOMPARE(wrong.status, 422);
        QCOMPARE(fieldReason(wrong, "password"), QStringLiteral("is incorrect"));

        const TestResponse requested = call("POST", "/api/v1/users/me/email", access,
                                            body({ { "new_email", newEmail }, { "password", kPassword } }));
        QCOMPARE(requested.status, 202);
        const MailFile confirm = waitForMail(newEmail, QStringLiteral("email_change_verify"));
        QCOMPARE(confirm.subject(), QStringLiteral("Confirm your new email address"));
        QCOMPARE(call("GET", "/api/v1/users/me", access).json()["email"].toString(), oldEmail); // not yet

        const QString token = confirm.linkToken(QStringLiteral("/verify-email"));
        QCOMPARE(post("/api/v1/auth/verify-email", body({ { "token", token } })).status, 200);
        QCOMPARE(call("GET", "/api/v1/users/me", access).json()["email"].toString(), newEmail);
        const MailFile notice = waitForMail(oldEmail, QStringLiteral("email_change_notice"));
        QVERIFY(notice.text.contains(newEmail));
        QCOMPARE(post("/api/v1/auth/verify-email", body({ { "token", token } })).status, 422);
        QVERIFY(!accessToken(newEmail).isEmpty());
        QCOMPARE(post("/api/v1/auth/login", body({ { "email", oldEmail }, { "password", kPassword } })).status, 401);
    }

    void changePasswordKeepsOnlyTheCallersSession()
    {
        const QString email = QStringLiteral("ivan@example.com");
        QVERIFY(createVerifiedAccount(email));
        const QString mine = accessToken(email);
        const QString other = accessToken(email);

        const TestResponse wrong
            = call("POST", "/api/v1/auth/change-password", mine,
                   body({ { "current_password", "not it at all" }, { "new_password", "fresh river stones" } }));
        QCOMPARE(wrong.status, 422);
        QCOMPARE(fieldReason(wrong, "current_password"), QStringLiteral("is incorrect"));
        const TestResponse weak = call("POST", "/api/v1/auth/change-password", mine,
                                       body({ { "current_password", kPassword }, { "new_password", "ivan1234" } }));
        QCOMPARE(weak.status, 422);
        QVERIFY(errorFields(weak).contains(QStringLiteral("new_password")));

        const TestResponse changed
            = call("POST", "/api/v1/auth/change-password", mine,
                   body({ { "current_password", kPassword }, { "new_password", "fresh river stones" } }));
        QCOMPARE(changed.status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(call("GET", "/api/v1/users/me", other).status, 401, 2000);
        QCOMPARE(call("GET", "/api/v1/users/me", mine).status, 200);
        QCOMPARE(post("/api/v1/auth/login", body({ { "email", email }, { "password", kPassword } })).status, 401);
        QVERIFY(!accessToken(email, QStringLiteral("fresh river stones")).isEmpty());
        waitForMail(email, QStringLiteral("password_changed"));
    }

    // The issue's "done when": register → verify (token from the .eml) → login → /users/me → refresh →
    // list sessions → revoke one → change password → logout.
    void wholeJourney()
    {
        const QString email = QStringLiteral("judy@example.com");
        QCOMPARE(post("/api/v1/auth/register", body({ { "email", email }, { "password", kPassword } })).status, 202);
        const QString token
            = waitForMail(email, QStringLiteral("verify_email")).linkToken(QStringLiteral("/verify-email"));
        QCOMPARE(post("/api/v1/auth/verify-email", body({ { "token", token } })).status, 200);

        const QJsonObject first = login(email);
        const QJsonObject second = login(email);
        QVERIFY(!first.isEmpty() && !second.isEmpty());
        QCOMPARE(first.value("token_type").toString(), QStringLiteral("Bearer"));
        QCOMPARE(call("GET", "/api/v1/users/me", first.value("access_token").toString()).status, 200);

        const TestResponse refreshed
            = post("/api/v1/auth/refresh", body({ { "refresh_token", first.value("refresh_token").toString() } }));
        QCOMPARE(refreshed.status, 200);
        const QString access = refreshed.json().value("access_token").toString();
        const QString refresh = refreshed.json().value("refresh_token").toString();

        const TestResponse sessions = call("GET", "/api/v1/sessions", access);
        QCOMPARE(sessions.status, 200);
        const QJsonArray items = sessions.json().value("items").toArray();
        QCOMPARE(items.size(), 2);
        QString otherId;
        for (const QJsonValue& item : items) {
            if (!item["is_current"].toBool())
                otherId = item["id"].toString();
        }
        QVERIFY(!otherId.isEmpty());
        QCOMPARE(call("DELETE", "/api/v1/sessions/" + otherId.toLatin1(), access).status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(call("GET", "/api/v1/users/me", second.value("access_token").toString()).status, 401,
                                  2000);

        const QString newPassword = QStringLiteral("quiet lantern meadow");
        QCOMPARE(call("POST", "/api/v1/auth/change-password", access,
                      body({ { "current_password", kPassword }, { "new_password", newPassword } }))
                     .status,
                 204);
        QCOMPARE(call("GET", "/api/v1/users/me", access).status, 200);
        QCOMPARE(call("POST", "/api/v1/auth/logout", access, body({ { "refresh_token", refresh } })).status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(call("GET", "/api/v1/users/me", access).status, 401, 2000);
        QVERIFY(!accessToken(email, newPassword).isEmpty());
    }

    // Without [server] frontend_url the links open pages of this server: a GET shows a form and spends nothing
    // (mail scanners prefetch links); the form's POST does the work. No scripts, strict CSP.
    void mailLinksOpenScriptFreePages()
    {
        const QString email = QStringLiteral("kate@example.com");
        QCOMPARE(post("/api/v1/auth/register", body({ { "email", email }, { "password", kPassword } })).status, 202);
        const QString token
            = waitForMail(email, QStringLiteral("verify_email")).linkToken(QStringLiteral("/verify-email"));
        QVERIFY(!token.isEmpty());
        TestHttpClient client(m_server->port());
        const QList<QPair<QByteArray, QByteArray>> form
            = { { "Content-Type", "application/x-www-form-urlencoded" }, { "User-Agent", "browser" } };

        const TestResponse page = client.get("/verify-email?token=" + token.toLatin1());
        QCOMPARE(page.status, 200);
        QVERIFY(page.header("content-type").startsWith("text/html"));
        QVERIFY(page.header("content-security-policy").startsWith("default-src 'none'; form-action 'self'"));
        QVERIFY(page.body.contains("<form method=\"post\" action=\"/verify-email\">"));
        QVERIFY(page.body.contains(token.toLatin1()));
        QVERIFY(!page.body.contains("<script"));
        QVERIFY(!page.body.contains("style"));
        QCOMPARE(client.get("/verify-email?token=" + token.toLatin1()).status, 200); // still unspent

        const TestResponse confirmed = client.request("POST", "/verify-email", "token=" + token.toLatin1(), form);
        QCOMPARE(confirmed.status, 200);
        QVERIFY(confirmed.body.contains("Email address confirmed"));
        const TestResponse again = client.request("POST", "/verify-email", "token=" + token.toLatin1(), form);
        QCOMPARE(again.status, 422);
        QVERIFY(again.body.contains("The link is invalid, expired or already used"));
        QCOMPARE(client.get("/verify-email").status, 400);

        QCOMPARE(post("/api/v1/auth/forgot-password", body({ { "email", email } })).status, 202);
        const QString reset
            = waitForMail(email, QStringLiteral("password_reset")).linkToken(QStringLiteral("/reset-password"));
        const TestResponse resetPage = client.get("/reset-password?token=" + reset.toLatin1());
        QCOMPARE(resetPage.status, 200);
        QVERIFY(resetPage.body.contains("name=\"new_password\""));
        const TestResponse weak
            = client.request("POST", "/reset-password", "token=" + reset.toLatin1() + "&new_password=password1", form);
        QCOMPARE(weak.status, 422);
        QVERIFY(weak.body.contains("The new password is one of the 10,000 most common passwords"));
        QVERIFY(weak.body.contains("action=\"/reset-password\"")); // the form again, link still good
        const TestResponse changed = client.request(
            "POST", "/reset-password", "token=" + reset.toLatin1() + "&new_password=copper+kettle+%2B+tea", form);
        QCOMPARE(changed.status, 200);
        QVERIFY(changed.body.contains("Password changed"));
        QVERIFY(!accessToken(email, QStringLiteral("copper kettle + tea")).isEmpty());
    }

    void readyReportsTheMailWorker()
    {
        TestHttpClient client(m_server->port());
        const TestResponse ready = client.get("/ready");
        QCOMPARE(ready.status, 200);
        const QJsonObject mail
            = ready.json().value(QStringLiteral("checks")).toObject().value(QStringLiteral("mail")).toObject();
        QCOMPARE(mail.value("status").toString(), QStringLiteral("up"));
        QCOMPARE(mail.value("backend").toString(), QStringLiteral("file"));
        QVERIFY2(mail.value("detail").toString().startsWith(QStringLiteral("outbox: ")), ready.body.constData());
    }

    // Mail enqueued but not delivered survives kill -9 and goes out exactly once after the restart. The mail
    // directory is blocked by a file, so the worker can only fail (temporarily) until the server dies.
    void undeliveredMailSurvivesACrash()
    {
        // The mail directory sits below a regular file, so the worker can only fail (temporarily) until the
        // server dies; removing the file lets the restarted server deliver.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString blocker = QDir(dir.path()).filePath(QStringLiteral("blocked"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();

        QMap<QString, QString> env = fastServer(m_backend.serverEnvironment(QStringLiteral("crash")));
        env.insert(QStringLiteral("AUTHSHIELD_MAIL_RETRY_BASE"), QStringLiteral("1s"));
        env.insert(QStringLiteral("AUTHSHIELD_MAIL_DIRECTORY"), blocker + QStringLiteral("/mail"));
        ServerProcess server(env);
        QVERIFY2(server.start(), server.log().constData());
        TestHttpClient client(server.port());
        const QString email = QStringLiteral("crash@example.com");
        QCOMPARE(
            client.postJson("/api/v1/auth/register", body({ { "email", email }, { "password", kPassword } })).status,
            202);
        QTRY_VERIFY_WITH_TIMEOUT(server.log().contains("mail delivery failed, will retry"), kMailTimeoutMs);
        // Operators see the failure in /metrics (the alert rules watch this counter).
        const QByteArray metrics = client.get("/metrics").body;
        QVERIFY2(QRegularExpression(QStringLiteral("\\nauthshield_mail_delivery_failures_total [1-9]"))
                     .match(QString::fromUtf8(metrics))
                     .hasMatch(),
                 metrics.constData());
        server.kill();

        QVERIFY(QFile::remove(blocker));
        QVERIFY2(server.start(), server.log().constData());
        QTRY_COMPARE_WITH_TIMEOUT(mailsTo(blocker, email).size(), 1, kMailTimeoutMs);
        auto readyDetail = [&server] { return mailCheckDetail(TestHttpClient(server.port()).get("/ready")); };
        QTRY_VERIFY2_WITH_TIMEOUT(readyDetail().startsWith(QStringLiteral("outbox: 0 pending")),
                                  qPrintable(readyDetail()), kMailTimeoutMs);
        QCOMPARE(server.stop(), 0);

        // A further restart finds nothing left to send.
        QVERIFY(server.start());
        TestHttpClient third(server.port());
        QCOMPARE(mailCheckDetail(third.get("/ready")).left(18), QStringLiteral("outbox: 0 pending,"));
        QCOMPARE(mailsTo(blocker, email).size(), 1);
        const QString token = mailsTo(blocker, email).first().linkToken(QStringLiteral("/verify-email"));
        QCOMPARE(third.postJson("/api/v1/auth/verify-email", body({ { "token", token } })).status, 200);
        const int exitCode = server.stop();
        QVERIFY2(exitCode == 0, server.log().right(4000).constData());
    }
};

QTEST_GUILESS_MAIN(TestAccounts)
#include "tst_accounts.moc"
