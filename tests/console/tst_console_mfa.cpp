#include "console/api/ApiClient.h"
#include "console/views/LoginDialog.h"
#include "console/views/MainWindow.h"
#include "console/views/UserDetailPanel.h"
#include "console/views/UsersPage.h"
#include "console/models/UserTableModel.h"
#include "server/mfa/Totp.h"
#include "tests/console/ConsoleAdminServer.h"

#include <QApplication>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;
using authshield::server::Totp;

namespace {
const QString kMfaEmail = QStringLiteral("mfa-admin@example.com");
} // namespace

// Two-factor sign-in through the console: a user enrolled through the API is asked for a code, a wrong code is
// said in words (and the code step stays), the right code signs in; the Users page shows the enrolment and
// resets it after a confirmation.
class TestConsoleMfa : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-mfa"));
        QSettings().clear();
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_userId = m_server.createUser(kMfaEmail, kPassword, {QStringLiteral("admin")});
        QVERIFY(!m_userId.isEmpty());

        // Enrol through the API as the user would with an authenticator app.
        auto api = m_server.newClient(nullptr);
        api->setAccessToken(m_server.login(kMfaEmail, kPassword));
        const Answer begun = post(*api, QStringLiteral("/api/v1/users/me/mfa/totp"), {{"password", kPassword}});
        QVERIFY2(begun.ok, qPrintable(begun.error.displayText()));
        const std::optional<QByteArray> secret
            = Totp::base32Decode(begun.body.object().value(QStringLiteral("secret")).toString());
        QVERIFY(secret.has_value());
        m_secret = *secret;
        const Answer confirmed = post(*api, QStringLiteral("/api/v1/users/me/mfa/totp/confirm"),
                                      {{"code", Totp::codeAt(m_secret, now())}});
        QVERIFY2(confirmed.ok, qPrintable(confirmed.error.displayText()));
        QVERIFY(call(*api, "GET", QStringLiteral("/api/v1/users/me/mfa")).body.object().value("totp_enabled").toBool());
    }

    void cleanupTestCase()
    {
        QSettings().clear();
        QCOMPARE(m_server.stop(), 0);
    }

    void signInAsksForTheCode()
    {
        MainWindow window;
        window.show();
        window.setServerUrlText(m_server.url().toString());
        window.connectToServer();
        window.openLoginDialog();
        LoginDialog* dialog = window.loginDialog();
        QVERIFY(dialog);
        auto* email = dialog->findChild<QLineEdit*>(QStringLiteral("loginEmailEdit"));
        auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("loginPasswordEdit"));
        auto* code = dialog->findChild<QLineEdit*>(QStringLiteral("loginCodeEdit"));
        auto* signIn = dialog->findChild<QPushButton*>(QStringLiteral("signInButton"));
        auto* error = dialog->findChild<QLabel*>(QStringLiteral("loginErrorLabel"));
        email->clear();
        QTest::keyClicks(email, kMfaEmail);
        password->clear();
        QTest::keyClicks(password, kPassword);
        QTest::mouseClick(signIn, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(code->isVisible(), 15000);
        QVERIFY(!window.apiClient()->isSignedIn());

        // A wrong code: said in words, and the dialog stays on the code step.
        QTest::keyClicks(code, wrongCode());
        QTest::mouseClick(signIn, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 15000);
        QVERIFY2(error->text().contains(QStringLiteral("code is incorrect")), qPrintable(error->text()));
        QVERIFY2(!error->text().contains(QStringLiteral("password")), qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("request id: ")), qPrintable(error->text()));
        QVERIFY(code->isVisible());
        QVERIFY(dialog->isVisible());
        QVERIFY(!window.apiClient()->isSignedIn());

        // The right code (the next step's: the enrolment used this one, and codes are single-use).
        code->clear();
        QTest::keyClicks(code, Totp::codeAt(m_secret, now() + Totp::kPeriodSeconds));
        QTest::mouseClick(signIn, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(), 15000);
        QVERIFY(window.apiClient()->isSignedIn());
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("statusUserLabel"))->text(),
                 QStringLiteral("Signed in as ") + kMfaEmail);
    }

    void usersPageShowsAndResetsTheEnrolment()
    {
        ApiClient* api = m_server.adminClient(nullptr);
        UsersPage page(api, nullptr);
        api->setParent(&page);
        page.resize(1200, 600);
        page.show();
        page.refresh();
        auto* search = page.findChild<QLineEdit*>(QStringLiteral("userSearch"));
        QTest::keyClicks(search, QStringLiteral("mfa-admin"));
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 1, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->index(0, UserTableModel::EmailColumn).data().toString(), kMfaEmail,
                                  15000);
        page.findChild<QTableView*>(QStringLiteral("userTable"))->selectRow(0);
        auto* state = page.detail()->findChild<QLabel*>(QStringLiteral("mfaStateLabel"));
        auto* reset = page.detail()->findChild<QPushButton*>(QStringLiteral("resetMfaButton"));
        QTRY_VERIFY_WITH_TIMEOUT(state->text().startsWith(QStringLiteral("Authenticator app enrolled")), 15000);
        QVERIFY2(state->text().contains(QStringLiteral("recovery code")), qPrintable(state->text()));
        QVERIFY(reset->isEnabled());

        // Declining the confirmation changes nothing.
        QString asked;
        page.setConfirmer([&asked](QWidget*, const QString&, const QString& question) {
            asked = question;
            return false;
        });
        QTest::mouseClick(reset, Qt::LeftButton);
        QVERIFY2(asked.contains(kMfaEmail), qPrintable(asked));
        QVERIFY(mfaEnabled());

        page.setConfirmer([](QWidget*, const QString&, const QString&) { return true; });
        QSignalSpy finished(page.detail(), &UserDetailPanel::actionFinished);
        QTest::mouseClick(reset, Qt::LeftButton);
        QVERIFY(finished.wait(15000));
        QTRY_COMPARE_WITH_TIMEOUT(state->text(), QStringLiteral("Not enrolled."), 15000);
        QVERIFY(!reset->isEnabled());
        QVERIFY(!mfaEnabled());
        // And the password alone signs in again.
        QVERIFY(!m_server.login(kMfaEmail, kPassword).isEmpty());
    }

private:
    static qint64 now() { return QDateTime::currentSecsSinceEpoch(); }

    // A six-digit code no step near now produces.
    QString wrongCode() const
    {
        QStringList near;
        for (int step = -2; step <= 2; ++step)
            near.append(Totp::codeAt(m_secret, now() + step * Totp::kPeriodSeconds));
        for (int candidate = 0; candidate < 10; ++candidate) {
            const QString code = QString(6, QChar(u'0' + candidate));
            if (!near.contains(code))
                return code;
        }
        return {};
    }

    bool mfaEnabled()
    {
        const Answer answer = call(m_server.admin(), "GET", QStringLiteral("/api/v1/admin/users/%1/mfa").arg(m_userId));
        if (!answer.ok)
            qWarning("%s", qPrintable(answer.error.displayText()));
        return answer.body.object().value(QStringLiteral("totp_enabled")).toBool();
    }

    ConsoleAdminServer m_server;
    QString m_userId;
    QByteArray m_secret;
};

QTEST_MAIN(TestConsoleMfa)
#include "tst_console_mfa.moc"
