#include "console/api/ApiClient.h"
#include "console/models/JsonTableModel.h"
#include "console/views/MainWindow.h"
#include "console/views/SettingsPage.h"
#include "tests/console/ConsoleAdminServer.h"
#include "tests/support/SmtpSink.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

// Settings → Mail against a real server and the scriptable SMTP sink: the form saves, the password stays
// write-only, "Send test mail" lists every diagnostic step with its time, failures are shown on their step in
// words, and 422 reasons land next to their fields.
class TestConsoleSmtp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-smtp"));
        QSettings().clear();
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        ApiClient* api = m_window->apiClient();
        api->setServerUrl(m_server.url());
        api->setAccessToken(m_server.admin().accessToken());
        m_page = m_window->findChild<SettingsPage*>();
        QVERIFY(m_page);
        QVERIFY(m_window->showPage(m_page->title()));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        QSettings().clear();
        QCOMPARE(m_server.stop(), 0);
    }

    void anUnsetPortShowsAsTheDefault()
    {
        // A fresh server has port 0 (the security mode's default); the form must not turn it into port 1.
        QCOMPARE(call(m_server.admin(), "GET", QStringLiteral("/api/v1/admin/settings/smtp")).body.object().value("port").toInt(),
                 0);
        m_page->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!edit("smtp_from_address")->text().isEmpty(), 15000);
        auto* port = m_page->findChild<QSpinBox*>(QStringLiteral("smtp_port"));
        QCOMPARE(port->value(), 0);
        QCOMPARE(port->text(), QStringLiteral("default for the security mode"));
    }

    void savesTheFormAndKeepsThePasswordWriteOnly()
    {
        QVERIFY(m_sink.start());
        m_sink.setCredentials(QStringLiteral("mailer"), QStringLiteral("s3cret-pass"));
        fillForm(QStringLiteral("s3cret-pass"));
        save();
        QTRY_COMPARE_WITH_TIMEOUT(label("smtpPasswordStateLabel")->text(), QStringLiteral("set"), 15000);
        QVERIFY(edit("smtp_password")->text().isEmpty());

        // The server stored it all, and never hands the password back.
        const Answer stored = call(m_server.admin(), "GET", QStringLiteral("/api/v1/admin/settings/smtp"));
        QVERIFY(stored.ok);
        QCOMPARE(stored.body.object().value("host").toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(stored.body.object().value("port").toInt(), int(m_sink.port()));
        QCOMPARE(stored.body.object().value("username").toString(), QStringLiteral("mailer"));
        QVERIFY(stored.body.object().value("password_set").toBool());
        QVERIFY(!stored.body.toJson().contains("s3cret-pass"));

        // A fresh load fills everything but the password; saving with it empty keeps the stored one.
        m_page->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(edit("smtp_host")->text(), QStringLiteral("127.0.0.1"), 15000);
        QVERIFY(edit("smtp_password")->text().isEmpty());
        QCOMPARE(label("smtpPasswordStateLabel")->text(), QStringLiteral("set"));
        save();
        QVERIFY(call(m_server.admin(), "GET", QStringLiteral("/api/v1/admin/settings/smtp"))
                    .body.object().value("password_set").toBool());
    }

    void testMailShowsEveryStepAndArrives()
    {
        m_sink.clearFailure();
        m_sink.clearMessages();
        const auto steps = sendTestMail(QStringLiteral("ops@example.com"));
        QVERIFY2(label("smtpTestResultLabel")->text().contains(QStringLiteral("accepted")),
                 qPrintable(label("smtpTestResultLabel")->text()));
        QVERIFY(m_sink.waitForMessages(1, 15000));
        QCOMPARE(m_sink.messages().first().to, QStringList{QStringLiteral("ops@example.com")});
        QCOMPARE(m_sink.messages().first().authUser, QStringLiteral("mailer"));

        QStringList names;
        for (int row = 0; row < steps->rowCount(); ++row) {
            names.append(text(steps, row, 1));
            QCOMPARE(text(steps, row, 0), QStringLiteral("✓ passed"));
            QVERIFY2(text(steps, row, 2).endsWith(QStringLiteral(" ms")), qPrintable(text(steps, row, 2)));
        }
        for (const QString& expected : {QStringLiteral("connect"), QStringLiteral("greeting"), QStringLiteral("ehlo"),
                                        QStringLiteral("auth")})
            QVERIFY2(names.contains(expected), qPrintable(names.join(QStringLiteral(", "))));
        QVERIFY2(names.size() >= 6, qPrintable(names.join(QStringLiteral(", "))));
    }

    void aFailingStepIsShownOnThatStep_data()
    {
        QTest::addColumn<int>("failure"); // 0 = the sink refuses AUTH, 1 = a wrong password
        QTest::newRow("auth refused by the server") << 0;
        QTest::newRow("wrong password") << 1;
    }

    void aFailingStepIsShownOnThatStep()
    {
        QFETCH(int, failure);
        m_sink.clearMessages();
        if (failure == 0) {
            m_sink.failAt(SmtpSink::Step::Auth, SmtpSink::Failure::Permanent);
        } else {
            m_sink.clearFailure();
            fillForm(QStringLiteral("not-the-password"));
            save();
        }
        const auto steps = sendTestMail(QStringLiteral("ops@example.com"));
        int failed = -1;
        for (int row = 0; row < steps->rowCount(); ++row)
            if (text(steps, row, 0) == QStringLiteral("✗ failed"))
                failed = row;
        QVERIFY2(failed >= 0, "no step is marked as failed");
        QCOMPARE(text(steps, failed, 1), QStringLiteral("auth"));
        QVERIFY2(text(steps, failed, 3).contains(QStringLiteral("535")), qPrintable(text(steps, failed, 3)));
        QVERIFY(text(steps, failed, 2).endsWith(QStringLiteral(" ms")));
        const QString result = label("smtpTestResultLabel")->text();
        QVERIFY2(result.contains(QStringLiteral("failed at \"auth\"")), qPrintable(result));
        QCOMPARE(m_sink.messages().size(), 0);

        m_sink.clearFailure();
        fillForm(QStringLiteral("s3cret-pass"));
        save();
    }

    void validationErrorsAppearOnTheFields()
    {
        edit("smtp_from_address")->setText(QStringLiteral("not an address"));
        edit("smtp_ehlo_name")->setText(QStringLiteral("two words"));
        QTest::mouseClick(m_page->findChild<QPushButton*>(QStringLiteral("saveSmtpButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->fieldError(QStringLiteral("smtp.from_address")).isEmpty(), 15000);
        QVERIFY(m_page->fieldError(QStringLiteral("smtp.from_address")).contains(QStringLiteral("email address")));
        QVERIFY(m_page->fieldError(QStringLiteral("smtp.ehlo_name")).contains(QStringLiteral("host name")));
        QVERIFY(m_page->fieldError(QStringLiteral("smtp.host")).isEmpty());
        QVERIFY(label("smtpErrorLabel")->text().contains(QStringLiteral("request id: ")));

        edit("smtp_from_address")->setText(QStringLiteral("authshield@example.com"));
        edit("smtp_ehlo_name")->setText(QStringLiteral("console.test"));
        save();
        QVERIFY(m_page->fieldError(QStringLiteral("smtp.from_address")).isEmpty());
        QVERIFY(label("smtpErrorLabel")->isHidden());
    }

private:
    QLineEdit* edit(const char* name) const { return m_page->findChild<QLineEdit*>(QLatin1String(name)); }
    QLabel* label(const char* name) const { return m_page->findChild<QLabel*>(QLatin1String(name)); }
    static QString text(const JsonTableModel* model, int row, int column)
    {
        return model->data(model->index(row, column)).toString();
    }

    void fillForm(const QString& password)
    {
        edit("smtp_host")->setText(QStringLiteral("127.0.0.1"));
        m_page->findChild<QSpinBox*>(QStringLiteral("smtp_port"))->setValue(m_sink.port());
        auto* security = m_page->findChild<QComboBox*>(QStringLiteral("smtp_security"));
        security->setCurrentIndex(security->findData(QStringLiteral("none")));
        edit("smtp_username")->setText(QStringLiteral("mailer"));
        edit("smtp_password")->setText(password);
        edit("smtp_from_address")->setText(QStringLiteral("authshield@example.com"));
        edit("smtp_from_name")->setText(QStringLiteral("AuthShield"));
        edit("smtp_ehlo_name")->setText(QStringLiteral("console.test"));
    }

    void save()
    {
        QSignalSpy saved(m_page, &ConsolePage::statusMessage);
        QTest::mouseClick(m_page->findChild<QPushButton*>(QStringLiteral("saveSmtpButton")), Qt::LeftButton);
        QVERIFY2(saved.wait(15000), qPrintable(label("smtpErrorLabel")->text()));
        QCOMPARE(saved.first().first().toString(), QStringLiteral("Mail settings saved."));
    }

    JsonTableModel* sendTestMail(const QString& to)
    {
        edit("smtpTestToEdit")->setText(to);
        auto* button = m_page->findChild<QPushButton*>(QStringLiteral("smtpTestButton"));
        QTest::mouseClick(button, Qt::LeftButton);
        if (!QTest::qWaitFor([&]() { return button->isEnabled() && m_page->testStepsModel()->rowCount() > 0; }, 30000))
            qWarning("no test report: %s", qPrintable(label("smtpTestResultLabel")->text()));
        return m_page->testStepsModel();
    }

    ConsoleAdminServer m_server;
    SmtpSink m_sink{SmtpSink::Mode::Plain};
    std::unique_ptr<MainWindow> m_window;
    SettingsPage* m_page = nullptr;
};

QTEST_MAIN(TestConsoleSmtp)
#include "tst_console_smtp.moc"
