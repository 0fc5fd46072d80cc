#include "console/api/ApiClient.h"
#include "console/models/JsonTableModel.h"
#include "console/views/DashboardPage.h"
#include "console/views/KeysPage.h"
#include "console/views/MainWindow.h"
#include "console/views/SettingsPage.h"
#include "tests/support/ServerProcess.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <optional>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

namespace {
const QString kAdminEmail = QStringLiteral("admin@example.com");
const QString kAdminPassword = QStringLiteral("correct horse battery staple");
} // namespace

// The shell's own screens against the real server's admin API: the dashboard shows the server's numbers, the
// security form puts 422 reasons next to its fields, and the keys page rotates after a confirmation.
class TestConsolePages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-pages"));
        QSettings().clear();
        QVERIFY2(m_server.start(), m_server.log().constData());
        const CommandResult created = ServerProcess::runCommand(
            {"create-admin", "--email", kAdminEmail, "--data-dir", m_server.dataDir()}, m_server.env(),
            kAdminPassword.toUtf8() + "\n");
        QVERIFY2(created.exitCode == 0, created.err.constData());
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        ApiClient* api = m_window->apiClient();
        api->setServerUrl(QUrl(serverUrl()));
        bool done = false;
        api->login(kAdminEmail, QStringLiteral("wrong password"), api, [](const QString&) {},
                   [&done](const ApiError&) { done = true; }); // one failed sign-in for the dashboard to count
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
        done = false;
        api->login(kAdminEmail, kAdminPassword, api, [&done](const QString&) { done = true; },
                   [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        QSettings().clear();
        QCOMPARE(m_server.stop(), 0);
    }

    void dashboardShowsTheServersNumbers()
    {
        auto* page = m_window->findChild<DashboardPage*>();
        QVERIFY(page);
        QVERIFY(m_window->showPage(page->title()));
        QVERIFY(page->autoRefreshActive());
        QTRY_VERIFY_WITH_TIMEOUT(page->shownValue(QStringLiteral("users.total")) != QStringLiteral("–"), 15000);

        const QJsonObject stats = fetch(QStringLiteral("/api/v1/admin/stats"));
        for (const QString& key : {QStringLiteral("users.total"), QStringLiteral("users.active"),
                                   QStringLiteral("users.disabled"), QStringLiteral("users.locked"),
                                   QStringLiteral("users.unverified"), QStringLiteral("sessions.active"),
                                   QStringLiteral("lockouts_24h"), QStringLiteral("mail_outbox.pending")}) {
            QJsonValue value = stats;
            for (const QString& part : key.split(QLatin1Char('.')))
                value = value.toObject().value(part);
            QCOMPARE(page->shownValue(key), QLocale().toString(value.toInteger()));
        }
        QCOMPARE(page->shownValue(QStringLiteral("users.total")), QStringLiteral("1"));
        // 24 hourly points per series, and this hour holds the sign-ins made above.
        const QJsonArray hours = stats.value("logins").toObject().value("hours").toArray();
        QCOMPARE(page->succeededSeries()->count(), hours.size());
        QCOMPARE(page->failedSeries()->count(), hours.size());
        qreal succeeded = 0;
        qreal failed = 0;
        for (const QPointF& point : page->succeededSeries()->points())
            succeeded += point.y();
        for (const QPointF& point : page->failedSeries()->points())
            failed += point.y();
        QVERIFY(succeeded >= 1);
        QVERIFY(failed >= 1);

        // Hidden pages stop polling.
        QVERIFY(m_window->showPage(QStringLiteral("Keys")));
        QVERIFY(!page->autoRefreshActive());
    }

    void securityValidationErrorsAppearOnTheFields()
    {
        auto* page = m_window->findChild<SettingsPage*>();
        QVERIFY(m_window->showPage(page->title()));
        auto* maxFailures = findEditor<QSpinBox>(page, QStringLiteral("security:lockout.max_failures"));
        QVERIFY(maxFailures);
        maxFailures->setValue(0);
        QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("saveSecurityButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!page->fieldError(QStringLiteral("lockout.max_failures")).isEmpty(), 15000);
        const auto* general = page->findChild<QLabel*>(QStringLiteral("securityErrorLabel"));
        QVERIFY2(general->text().contains(QStringLiteral("request id: ")), qPrintable(general->text()));

        // A valid change is saved and read back.
        maxFailures = findEditor<QSpinBox>(page, QStringLiteral("security:lockout.max_failures"));
        maxFailures->setValue(7);
        QSignalSpy saved(page, &ConsolePage::statusMessage);
        QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("saveSecurityButton")), Qt::LeftButton);
        QVERIFY(saved.wait(15000));
        QVERIFY(page->fieldError(QStringLiteral("lockout.max_failures")).isEmpty());
        QCOMPARE(fetch(QStringLiteral("/api/v1/admin/settings/security")).value("lockout").toObject().value("max_failures").toInt(),
                 7);
    }

    void keysRotateAfterConfirmation()
    {
        auto* page = m_window->findChild<KeysPage*>();
        QVERIFY(m_window->showPage(page->title()));
        QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        page->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowCount() >= 1, 15000);
        const int before = page->model()->rowCount();

        QString asked;
        page->setConfirm([&asked](const QString& question) {
            asked = question;
            return false;
        });
        QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("rotateKeyButton")), Qt::LeftButton);
        QVERIFY(asked.contains(QStringLiteral("signing key")));
        QTest::qWait(300); // a refused confirmation sends nothing; nothing to wait for but time
        QCOMPARE(page->model()->rowCount(), before);

        page->setConfirm([](const QString&) { return true; });
        QSignalSpy rotated(page, &ConsolePage::statusMessage);
        QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("rotateKeyButton")), Qt::LeftButton);
        QVERIFY(rotated.wait(15000));
        QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), before + 1, 15000);
        const QString newKid = rotated.first().first().toString().section(QStringLiteral("new key is "), 1).chopped(1);
        QVERIFY(!newKid.isEmpty());
        bool listed = false;
        for (int row = 0; row < page->model()->rowCount(); ++row)
            listed = listed || page->model()->rowObject(row).value("kid").toString() == newKid;
        QVERIFY(listed);
    }

    void jsonTableModelIsAWellBehavedModel()
    {
        JsonTableModel model({JsonTableModel::text("Key id", "kid"), JsonTableModel::time("Created", "created_at")},
                             nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows(QJsonArray{QJsonObject{{"kid", "a"}, {"created_at", "2026-11-23T10:00:00.000Z"}},
                                 QJsonObject{{"kid", "b"}, {"created_at", qint64(1700000000000)}}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(1, 0)).toString(), QStringLiteral("b"));
        QVERIFY(!model.data(model.index(0, 1)).toString().isEmpty());
        QVERIFY(!model.data(model.index(1, 1)).toString().isEmpty());
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }

private:
    QString serverUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.port()); }

    template<typename T>
    static T* findEditor(QWidget* page, const QString& name)
    {
        T* editor = nullptr;
        (void)QTest::qWaitFor([&]() { return (editor = page->findChild<T*>(name)) != nullptr; }, 15000);
        return editor;
    }

    QJsonObject fetch(const QString& path)
    {
        std::optional<QJsonObject> answer;
        QObject context;
        m_window->apiClient()->send("GET", path, {}, {}, &context,
                                    [&answer](const QJsonDocument& body, int) { answer = body.object(); },
                                    [&answer](const ApiError& error) {
                                        qWarning("%s", qPrintable(error.displayText()));
                                        answer = QJsonObject();
                                    });
        (void)QTest::qWaitFor([&answer]() { return answer.has_value(); }, 15000);
        return answer.value_or(QJsonObject());
    }

    ServerProcess m_server;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestConsolePages)
#include "tst_console_pages.moc"
