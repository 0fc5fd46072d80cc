#include "console/api/ApiClient.h"
#include "console/views/LoginDialog.h"
#include "console/views/MainWindow.h"
#include "tests/console/ConsoleAdminServer.h"
#include "tests/support/TlsFront.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

// Connecting to an HTTPS server whose certificate the system does not trust (a TLS front with a self-signed
// certificate before the real server): the login dialog shows the certificate's subject and fingerprint with
// an explicit choice; declining stays disconnected, trusting connects and is remembered for that certificate
// only — a changed certificate asks again.
class TestConsoleTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-tls"));
        QSettings().clear();
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_front = std::make_unique<TlsFront>(nullptr);
        QVERIFY(m_front->start(m_server.process().port()));
    }

    void cleanupTestCase()
    {
        m_front.reset();
        QSettings().clear();
        QCOMPARE(m_server.stop(), 0);
    }

    void decliningLeavesItDisconnected()
    {
        MainWindow window;
        window.show();
        LoginDialog* dialog = signIn(window);
        auto* box = dialog->findChild<QGroupBox*>(QStringLiteral("tlsBox"));
        QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), 15000);
        const QString details = dialog->findChild<QLabel*>(QStringLiteral("tlsDetailsLabel"))->text();
        QVERIFY2(details.contains(QStringLiteral("127.0.0.1:%1").arg(m_front->port())), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("AuthShield test HTTPS front 1")), qPrintable(details));
        QVERIFY2(details.contains(expectedFingerprint()), qPrintable(details));
        QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("trustCertificateButton"))->isVisible());

        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("distrustCertificateButton")), Qt::LeftButton);
        QVERIFY(!box->isVisible());
        const QString error = dialog->findChild<QLabel*>(QStringLiteral("loginErrorLabel"))->text();
        QVERIFY2(error.contains(QStringLiteral("not trusted")), qPrintable(error));
        QVERIFY(!window.apiClient()->isSignedIn());
        QVERIFY(ApiClient::trustedFingerprint(hostPort()).isEmpty());
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("statusUserLabel"))->text(), QStringLiteral("Not signed in"));
    }

    void trustingConnectsAndIsRemembered()
    {
        {
            MainWindow window;
            window.show();
            LoginDialog* dialog = signIn(window);
            auto* box = dialog->findChild<QGroupBox*>(QStringLiteral("tlsBox"));
            QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), 15000);
            QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("trustCertificateButton")),
                              Qt::LeftButton);
            // Generous: the handshake, the proxy and an Argon2 login share two loaded cores under ASan.
            QTRY_VERIFY2_WITH_TIMEOUT(window.apiClient()->isSignedIn(),
                                      qPrintable(dialog->findChild<QLabel*>(QStringLiteral("loginErrorLabel"))->text()),
                                      30000);
            QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(), 15000);
            QCOMPARE(ApiClient::trustedFingerprint(hostPort()), ApiClient::fingerprint(m_front->certificate()));
        }
        // The next connection (a new window, a new network stack) goes straight through.
        MainWindow window;
        window.show();
        LoginDialog* dialog = signIn(window);
        QTRY_VERIFY_WITH_TIMEOUT(window.apiClient()->isSignedIn(), 15000);
        QVERIFY(!dialog->findChild<QGroupBox*>(QStringLiteral("tlsBox"))->isVisible());
        window.connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QLabel*>(QStringLiteral("connectionStateLabel"))
                                     ->text()
                                     .contains(QStringLiteral("ready")),
                                 15000);
    }

    void aChangedCertificateAsksAgain()
    {
        const QString trusted = ApiClient::trustedFingerprint(hostPort());
        QVERIFY(!trusted.isEmpty());
        QVERIFY(m_front->renewCertificate());
        QVERIFY(ApiClient::fingerprint(m_front->certificate()) != trusted);
        MainWindow window;
        window.show();
        LoginDialog* dialog = signIn(window);
        auto* box = dialog->findChild<QGroupBox*>(QStringLiteral("tlsBox"));
        QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), 15000);
        const QString details = dialog->findChild<QLabel*>(QStringLiteral("tlsDetailsLabel"))->text();
        QVERIFY2(details.contains(QStringLiteral("AuthShield test HTTPS front 2")), qPrintable(details));
        QVERIFY2(details.contains(expectedFingerprint()), qPrintable(details));
        QVERIFY(!window.apiClient()->isSignedIn());
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("trustCertificateButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.apiClient()->isSignedIn(), 15000);
        QCOMPARE(ApiClient::trustedFingerprint(hostPort()), ApiClient::fingerprint(m_front->certificate()));
    }

private:
    QString url() const { return QStringLiteral("https://127.0.0.1:%1").arg(m_front->port()); }
    QString hostPort() const { return QStringLiteral("127.0.0.1:%1").arg(m_front->port()); }

    // SHA-256 of the DER certificate, computed here rather than by the console's own helper.
    QString expectedFingerprint() const
    {
        const QByteArray digest = QCryptographicHash::hash(m_front->certificate().toDer(), QCryptographicHash::Sha256);
        return QString::fromLatin1(digest.toHex(':').toUpper());
    }

    LoginDialog* signIn(MainWindow& window)
    {
        window.setServerUrlText(url());
        window.openLoginDialog();
        LoginDialog* dialog = window.loginDialog();
        dialog->setServerUrl(url());
        auto* email = dialog->findChild<QLineEdit*>(QStringLiteral("loginEmailEdit"));
        auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("loginPasswordEdit"));
        email->clear();
        QTest::keyClicks(email, kAdminEmail);
        password->clear();
        QTest::keyClicks(password, kPassword);
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("signInButton")), Qt::LeftButton);
        return dialog;
    }

    ConsoleAdminServer m_server;
    std::unique_ptr<TlsFront> m_front;
};

QTEST_MAIN(TestConsoleTls)
#include "tst_console_tls.moc"
