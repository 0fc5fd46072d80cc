#include "console/api/ApiClient.h"
#include "console/api/EmbeddedServer.h"
#include "console/views/LocalServerDialog.h"
#include "console/views/MainWindow.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield;
using namespace authshield::console;

// "Start a local server…": the server library in this process on SQLite in a chosen folder, its log live in the
// dialog, the first administrator created, the window signed in to it, and a clean stop.
class TestConsoleEmbedded : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-embedded"));
        QSettings().clear();
    }

    void cleanupTestCase() { QSettings().clear(); }

    void startCreateAdminAndConnect()
    {
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        MainWindow window;
        window.show();
        window.openLocalServerDialog();
        LocalServerDialog* dialog = window.localServerDialog();
        QVERIFY(dialog && dialog->isVisible());
        dialog->setDataDir(dataDir.path());

        QSignalSpy started(dialog->server(), &EmbeddedServer::started);
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("startLocalServerButton")), Qt::LeftButton);
        QVERIFY(started.wait(60000));
        const quint16 port = started.first().first().value<quint16>();
        QVERIFY(port != 0);
        auto* log = dialog->findChild<QPlainTextEdit*>(QStringLiteral("localServerLog"));
        QTRY_VERIFY_WITH_TIMEOUT(log->toPlainText().contains(QStringLiteral("listening")), 15000);
        QVERIFY(QFile::exists(dataDir.filePath(QStringLiteral("authshield.db"))));
        QCOMPARE(window.apiClient()->serverUrl(), QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));

        // A weak password is refused in words; a good one creates the admin and signs the window in.
        auto* email = dialog->findChild<QLineEdit*>(QStringLiteral("adminEmailEdit"));
        auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("adminPasswordEdit"));
        auto* create = dialog->findChild<QPushButton*>(QStringLiteral("createAdminButton"));
        auto* outcome = dialog->findChild<QLabel*>(QStringLiteral("createAdminLabel"));
        QTest::keyClicks(email, QStringLiteral("Owner@Example.com"));
        QTest::keyClicks(password, QStringLiteral("short"));
        QTest::mouseClick(create, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(outcome->text().contains(QStringLiteral("refused")), 30000);
        QVERIFY(!window.apiClient()->isSignedIn());

        password->clear();
        QTest::keyClicks(password, QStringLiteral("a long and unusual passphrase"));
        QTest::mouseClick(create, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.apiClient()->isSignedIn(), 60000);
        QTRY_COMPARE(window.findChild<QLabel*>(QStringLiteral("statusUserLabel"))->text(),
                     QStringLiteral("Signed in as owner@example.com"));
        QTRY_VERIFY_WITH_TIMEOUT(log->toPlainText().contains(QStringLiteral("created the first administrator")), 15000);
        // The window's status bar names the local server; its readiness is checked like any other.
        QTRY_VERIFY_WITH_TIMEOUT(
            window.findChild<QLabel*>(QStringLiteral("connectionStateLabel"))->text().contains(QStringLiteral("ready")), 15000);

        QSignalSpy stopped(dialog->server(), &EmbeddedServer::stopped);
        dialog->stopServer();
        QCOMPARE(stopped.count(), 1);
        QVERIFY(!dialog->server()->isRunning());
    }

    void unusableDataDirIsExplained()
    {
        EmbeddedServer server(nullptr);
        QSignalSpy failed(&server, &EmbeddedServer::failed);
        server.start(QStringLiteral("/proc/authshield-cannot-write-here"));
        QVERIFY(failed.wait(60000));
        QVERIFY(!failed.first().first().toString().isEmpty());
        QVERIFY(!server.isRunning());
    }
};

QTEST_MAIN(TestConsoleEmbedded)
#include "tst_console_embedded.moc"
