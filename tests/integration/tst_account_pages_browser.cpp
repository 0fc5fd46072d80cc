#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/MailFile.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield::test;

namespace {

const QString kPassword = QStringLiteral("violet staple orbit 42");

struct BrowserResult
{
    bool ran = false;
    QByteArray output;
    QByteArray errors;
};

// Debian's chromium, headless, with a throw-away profile and no background traffic (everything stays on loopback).
BrowserResult chromium(const QStringList& arguments, const QString& profileDir)
{
    BrowserResult result;
    const QString binary = QStandardPaths::findExecutable("chromium");
    if (binary.isEmpty())
        return result;
    QProcess browser;
    browser.start(binary,
                  QStringList { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                "--disable-extensions", "--user-data-dir=" + profileDir }
                      + arguments);
    if (!browser.waitForFinished(60000)) {
        browser.kill();
        browser.waitForFinished(5000);
        return result;
    }
    result.ran = browser.exitStatus() == QProcess::NormalExit;
    result.output = browser.readAllStandardOutput();
    result.errors = browser.readAllStandardError();
    return result;
}

QMap<QString, QString> fastServer(QMap<QString, QString> env)
{
    env = withoutThrottling(env);
    env.insert("AUTHSHIELD_PASSWORD_ARGON2_MEMORY_KIB", "8192");
    env.insert("AUTHSHIELD_PASSWORD_ARGON2_ITERATIONS", "1");
    env.insert("AUTHSHIELD_RATELIMIT_FORGOT_ACCOUNT", "1/60s");
    env.insert("AUTHSHIELD_MAIL_POLL_INTERVAL", "50ms");
    return env;
}

} // namespace

// The self-served verify-email and reset-password pages in a real browser (headless chromium): they render,
// hold a plain POST form and no script, under a strict CSP; the reset form posted over HTTP shows policy errors
// in words and never carries the password in a URL. Plus: forgot-password and resend-verification answer alike
// for known, unknown and rate-limited addresses.
class TestAccountPagesBrowser : public QObject
{
    Q_OBJECT

private:
    TestResponse post(const QByteArray& path, const QJsonObject& json)
    {
        TestHttpClient client(m_server->port());
        return client.postJson(path, json, { { "User-Agent", "tst_account_pages_browser" } });
    }

    MailFile waitForMail(const QString& address, const QString& templateName, int count = 1)
    {
        auto matching = [&] {
            QList<MailFile> found;
            for (const MailFile& mail : mailsTo(m_server->dataDir(), address))
                if (mail.header("x-authshield-template") == templateName)
                    found.append(mail);
            return found;
        };
        if (!QTest::qWaitFor([&] { return matching().size() >= count; }, 15000))
            qWarning("no %s mail #%d to %s", qPrintable(templateName), count, qPrintable(address));
        return matching().value(count - 1);
    }

    QString url(const QString& pathAndQuery) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server->port()).arg(pathAndQuery);
    }

    void checkPage(const QString& pathAndQuery, const QByteArray& action, const QByteArray& mustContain)
    {
        // Screenshot: the page renders to a non-empty PNG.
        const QString png = m_profile.filePath(QString::fromLatin1(action.mid(1)) + ".png");
        const BrowserResult shot
            = chromium({ "--screenshot=" + png, "--window-size=800,700", url(pathAndQuery) }, m_profile.filePath("p1"));
        QVERIFY2(shot.ran, shot.errors.constData());
        QFile image(png);
        QVERIFY2(image.open(QIODevice::ReadOnly), qPrintable(png));
        const QByteArray bytes = image.readAll();
        QVERIFY(bytes.size() > 1000);
        QVERIFY(bytes.startsWith("\x89PNG"));

        // The DOM as the browser built it: a POST form to the page itself, no script anywhere.
        const BrowserResult dom = chromium({ "--dump-dom", url(pathAndQuery) }, m_profile.filePath("p2"));
        QVERIFY2(dom.ran, dom.errors.constData());
        QVERIFY2(dom.output.contains("<form method=\"post\" action=\"" + action + "\">"), dom.output.constData());
        QVERIFY(dom.output.contains(mustContain));
        QVERIFY(!dom.output.contains("<script"));
        // No inline event handlers (onload=, onclick=, …) either.
        QVERIFY(!QRegularExpression(" on[a-z]+=").match(QString::fromUtf8(dom.output)).hasMatch());

        TestHttpClient client(m_server->port());
        const TestResponse page = client.get(pathAndQuery.toLatin1());
        QCOMPARE(page.status, 200);
        QCOMPARE(page.header("content-security-policy"),
                 QByteArray("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"));
    }

    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_server;
    QTemporaryDir m_profile;

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable("chromium").isEmpty())
            QFAIL("chromium is not installed (scripts/install-deps.sh installs it)");
        QVERIFY(m_backend.start());
        m_server = std::make_unique<ServerProcess>(fastServer(m_backend.serverEnvironment("pages")));
        QVERIFY2(m_server->start(), m_server->log().constData());
    }

    void cleanupTestCase()
    {
        if (m_server)
            QCOMPARE(m_server->stop(), 0);
    }

    void verifyPageRendersAFormInABrowser()
    {
        const QString email = "ivy@example.com";
        QCOMPARE(post("/api/v1/auth/register", { { "email", email }, { "password", kPassword } }).status, 202);
        const QString token = waitForMail(email, "verify_email").linkToken("/verify-email");
        QVERIFY(!token.isEmpty());
        checkPage("/verify-email?token=" + token, "/verify-email", "Confirm my email address");
        // Opening the page did not spend the link: the form post confirms.
        TestHttpClient client(m_server->port());
        const TestResponse confirmed
            = client.request("POST", "/verify-email", "token=" + token.toLatin1(),
                             { { "Content-Type", "application/x-www-form-urlencoded" }, { "User-Agent", "browser" } });
        QCOMPARE(confirmed.status, 200);
        QVERIFY(confirmed.body.contains("Email address confirmed"));
    }

    void resetPageFormWorksAndKeepsThePasswordOutOfUrls()
    {
        const QString email = "ivy@example.com";
        QCOMPARE(post("/api/v1/auth/forgot-password", { { "email", email } }).status, 202);
        const QString token = waitForMail(email, "password_reset").linkToken("/reset-password");
        QVERIFY(!token.isEmpty());
        checkPage("/reset-password?token=" + token, "/reset-password", "type=\"password\"");

        TestHttpClient client(m_server->port());
        const QList<QPair<QByteArray, QByteArray>> form { { "Content-Type", "application/x-www-form-urlencoded" },
                                                          { "User-Agent", "browser" } };
        const TestResponse weak
            = client.request("POST", "/reset-password", "token=" + token.toLatin1() + "&new_password=password1", form);
        QCOMPARE(weak.status, 422);
        QVERIFY(weak.body.contains("The new password is one of the 10,000 most common passwords"));
        const QByteArray newPassword = "orchard+lantern+%26+frost";
        const TestResponse done = client.request("POST", "/reset-password",
                                                 "token=" + token.toLatin1() + "&new_password=" + newPassword, form);
        QCOMPARE(done.status, 200);
        QVERIFY(done.body.contains("Password changed"));
        QCOMPARE(login(m_server->port(), email, "orchard lantern & frost").status, 200);
        // Neither the access log nor any answer shows the password.
        QVERIFY(!m_server->log().contains("orchard"));
        QVERIFY(!done.body.contains("orchard"));
    }

    void forgotAndResendAnswerAlikeForKnownUnknownAndLimited()
    {
        const QString known = "jack@example.com";
        QCOMPARE(post("/api/v1/auth/register", { { "email", known }, { "password", kPassword } }).status, 202);
        waitForMail(known, "verify_email");

        const TestResponse resendKnown = post("/api/v1/auth/resend-verification", { { "email", known } });
        const TestResponse resendUnknown
            = post("/api/v1/auth/resend-verification", { { "email", "nobody1@example.com" } });
        QCOMPARE(resendKnown.status, 202);
        QCOMPARE(resendUnknown.status, 202);
        QCOMPARE(resendKnown.body, resendUnknown.body);

        // forgot_account is 1 per minute here: the second request for jack is limited, and looks the same.
        const TestResponse first = post("/api/v1/auth/forgot-password", { { "email", known } });
        const TestResponse limited = post("/api/v1/auth/forgot-password", { { "email", known } });
        const TestResponse unknown = post("/api/v1/auth/forgot-password", { { "email", "nobody2@example.com" } });
        for (const TestResponse* answer : { &first, &limited, &unknown })
            QCOMPARE(answer->status, 202);
        QCOMPARE(first.body, limited.body);
        QCOMPARE(first.body, unknown.body);
        QCOMPARE(waitForMail(known, "password_reset").subject(), QStringLiteral("Reset your password"));
        QVERIFY(mailsTo(m_server->dataDir(), "nobody2@example.com").isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAccountPagesBrowser)
#include "tst_account_pages_browser.moc"
