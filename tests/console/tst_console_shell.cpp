#include "console/api/ApiClient.h"
#include "console/api/CredentialStore.h"
#include "console/views/ConsolePage.h"
#include "console/views/LoginDialog.h"
#include "console/views/MainWindow.h"
#include "tests/support/ServerProcess.h"

#include <QApplication>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <optional>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

namespace {

const QString kAdminEmail = QStringLiteral("admin@example.com");
const QString kAdminPassword = QStringLiteral("correct horse battery staple");
constexpr int kAccessTtlSeconds = 1; // short, so expiry and refresh happen within the test
constexpr int kVerifierLeewaySeconds = 5; // AccessTokenVerifier::kLeeway: tokens are accepted this long after exp

// A page that records what the shell asks of it.
class RecordingPage : public ConsolePage
{
public:
    RecordingPage(ApiClient* api, QWidget* parent)
        : ConsolePage(api, parent)
    {
    }
    QString title() const override { return QStringLiteral("Recorder"); }
    void refresh() override { ++refreshed; }
    void focusSearch() override { ++searched; }
    void saveState(QSettings& settings) const override { settings.setValue(QStringLiteral("filter"), filter); }
    void restoreState(QSettings& settings) override { filter = settings.value(QStringLiteral("filter")).toString(); }
    void fail(const ApiError& error) { Q_EMIT errorOccurred(error); }

    int refreshed = 0;
    int searched = 0;
    QString filter;
};

QString text(const QWidget* root, const char* name)
{
    if (const auto* label = root->findChild<QLabel*>(QString::fromLatin1(name)))
        return label->text();
    return {};
}

bool visible(const QWidget* root, const char* name)
{
    const auto* widget = root->findChild<QWidget*>(QString::fromLatin1(name));
    return widget && widget->isVisible();
}

} // namespace

// The shell against the real server binary: signing in through the dialog, the status bar, transparent token
// refresh, an ended session bringing the dialog back over the same screen, shortcuts, banner and saved layout.
class TestConsoleShell : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-shell"));
        QSettings().clear();
        // Generous limits: this class signs in more often than the defaults allow per minute.
        m_server.emplace(QMap<QString, QString>{{"AUTHSHIELD_TOKENS_ACCESS_TTL", QString::number(kAccessTtlSeconds)},
                                                {"AUTHSHIELD_RATELIMIT_LOGIN_IP", "1000/60s"},
                                                {"AUTHSHIELD_RATELIMIT_LOGIN_ACCOUNT", "1000/60s"},
                                                {"AUTHSHIELD_RATELIMIT_REFRESH_IP", "1000/60s"}});
        QVERIFY2(m_server->start(), m_server->log().constData());
        const CommandResult created = ServerProcess::runCommand(
            {"create-admin", "--email", kAdminEmail, "--data-dir", m_server->dataDir()}, m_server->env(),
            kAdminPassword.toUtf8() + "\n");
        QVERIFY2(created.exitCode == 0, created.err.constData());
    }

    void cleanupTestCase()
    {
        QSettings().clear();
        QCOMPARE(m_server->stop(), 0);
    }

    void wrongPasswordIsShownInWords()
    {
        MainWindow window;
        window.show();
        LoginDialog* dialog = openDialog(window);
        signIn(dialog, kAdminEmail, QStringLiteral("not the password"));
        QTRY_VERIFY_WITH_TIMEOUT(visible(dialog, "loginErrorLabel"), 15000);
        const QString shown = text(dialog, "loginErrorLabel");
        QVERIFY2(shown.contains(QStringLiteral("email or password is wrong")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("request id: ")), qPrintable(shown));
        QVERIFY(dialog->isVisible());
        QCOMPARE(text(&window, "statusUserLabel"), QStringLiteral("Not signed in"));
        QVERIFY(!window.apiClient()->isSignedIn());
    }

    void signingInShowsTheUserInTheStatusBar()
    {
        MainWindow window;
        window.show();
        LoginDialog* dialog = openDialog(window);
        signIn(dialog, kAdminEmail, kAdminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(), 15000);
        QCOMPARE(text(&window, "statusUserLabel"), QStringLiteral("Signed in as ") + kAdminEmail);
        QCOMPARE(text(&window, "statusServerLabel"), serverUrl());
        QTRY_VERIFY_WITH_TIMEOUT(text(&window, "connectionStateLabel").contains(QStringLiteral("ready")), 15000);
        QVERIFY(window.apiClient()->isSignedIn());
        // The password never lingers in the dialog, and the server is offered next time.
        QVERIFY(dialog->findChild<QLineEdit*>(QStringLiteral("loginPasswordEdit"))->text().isEmpty());
        QCOMPARE(LoginDialog::recentServers().value(0), serverUrl());
    }

    void expiredAccessTokenIsRefreshedAndTheRequestRetried()
    {
        QObject owner;
        auto* api = new ApiClient(&owner);
        api->setProactiveRefresh(false); // only the 401 → refresh → retry path can save the request
        api->setServerUrl(QUrl(serverUrl()));
        signInDirectly(api);
        QSignalSpy refreshed(api, &ApiClient::tokensRefreshed);
        QTest::qWait((kAccessTtlSeconds + kVerifierLeewaySeconds) * 1000 + 800); // let the access token expire: time itself is the subject

        std::optional<QJsonObject> me;
        api->send("GET", QStringLiteral("/api/v1/users/me"), {}, {}, &owner,
                  [&me](const QJsonDocument& body, int) { me = body.object(); },
                  [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(me.has_value(), 15000);
        QCOMPARE(me->value(QStringLiteral("email")).toString(), kAdminEmail);
        QCOMPARE(refreshed.count(), 1);
        QVERIFY(api->isSignedIn());
    }

    void tokensAreRefreshedBeforeTheyExpire()
    {
        QObject owner;
        auto* api = new ApiClient(&owner);
        api->setServerUrl(QUrl(serverUrl()));
        signInDirectly(api);
        const QByteArray first = api->accessToken();
        QSignalSpy refreshed(api, &ApiClient::tokensRefreshed);
        QVERIFY(refreshed.wait(kAccessTtlSeconds * 1000 + 5000));
        QVERIFY(api->accessToken() != first);
        // Several lifetimes later the session still works without a single failed request.
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 3, 20000);
        std::optional<int> status;
        api->send("GET", QStringLiteral("/api/v1/users/me"), {}, {}, &owner,
                  [&status](const QJsonDocument&, int code) { status = code; },
                  [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), 15000);
        QCOMPARE(*status, 200);
    }

    void endedSessionBringsTheDialogBackOverTheSameScreen()
    {
        MainWindow window;
        window.show();
        LoginDialog* dialog = openDialog(window);
        signIn(dialog, kAdminEmail, kAdminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(), 15000);
        QVERIFY(window.showPage(QStringLiteral("Keys")));

        // Someone revokes this session on the server (here: its own logout, sent behind the window's back).
        QObject owner;
        auto* other = new ApiClient(&owner);
        other->setServerUrl(QUrl(serverUrl()));
        other->setAccessToken(window.apiClient()->accessToken());
        std::optional<int> revoked;
        other->send("POST", QStringLiteral("/api/v1/auth/logout"), {},
                    QJsonDocument(QJsonObject{{"refresh_token", QString::fromUtf8(window.apiClient()->refreshToken())}}),
                    &owner, [&revoked](const QJsonDocument&, int status) { revoked = status; },
                    [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(revoked.has_value(), 15000);

        // The next refresh is refused: the dialog returns, the screen stays where it was.
        QSignalSpy expired(window.apiClient(), &ApiClient::sessionExpired);
        QVERIFY(expired.wait(kAccessTtlSeconds * 1000 + 10000));
        QTRY_VERIFY(dialog->isVisible());
        QVERIFY2(text(dialog, "loginMessageLabel").contains(QStringLiteral("session has ended")),
                 qPrintable(text(dialog, "loginMessageLabel")));
        QCOMPARE(window.currentPage()->title(), QStringLiteral("Keys"));
        QCOMPARE(text(&window, "statusUserLabel"), QStringLiteral("Not signed in"));
        QVERIFY(visible(&window, "errorLabel"));

        signIn(dialog, kAdminEmail, kAdminPassword);
        QTRY_VERIFY2_WITH_TIMEOUT(!dialog->isVisible(), qPrintable(text(dialog, "loginErrorLabel")), 15000);
        QCOMPARE(window.currentPage()->title(), QStringLiteral("Keys"));
        QCOMPARE(text(&window, "statusUserLabel"), QStringLiteral("Signed in as ") + kAdminEmail);
        QVERIFY(!visible(&window, "errorLabel"));
    }

    void shortcutsReachTheCurrentPage()
    {
        MainWindow window;
        auto* page = new RecordingPage(window.apiClient(), &window);
        window.addPage(page);
        QVERIFY(window.showPage(page->title()));
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QTest::keyClick(&window, Qt::Key_F5);
        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(page->searched, 1);
        QCOMPARE(page->refreshed, 2);
        // The navigation lists it after the shell's own screens.
        auto* navigation = window.findChild<QListWidget*>(QStringLiteral("navigationList"));
        QCOMPARE(navigation->item(navigation->count() - 1)->text(), page->title());
    }

    void pageErrorsShowAsANonModalBannerWithTheRequestId()
    {
        MainWindow window;
        auto* page = new RecordingPage(window.apiClient(), &window);
        window.addPage(page);
        window.show();
        ApiError error;
        error.kind = ApiError::Kind::Server;
        error.endpoint = QStringLiteral("DELETE /api/v1/admin/roles/admin");
        error.httpStatus = 409;
        error.message = QStringLiteral("The role is still assigned to 3 users.");
        error.requestId = QStringLiteral("req-123");
        page->fail(error);
        QVERIFY(visible(&window, "errorLabel"));
        const QString shown = text(&window, "errorLabel");
        QVERIFY2(shown.contains(error.message) && shown.contains(QStringLiteral("request id: req-123")), qPrintable(shown));
        QVERIFY(QApplication::activeModalWidget() == nullptr);
        QTest::mouseClick(window.findChild<QPushButton*>(QStringLiteral("dismissErrorButton")), Qt::LeftButton);
        QVERIFY(!visible(&window, "errorLabel"));
    }

    void layoutAndPageStateAreRemembered()
    {
        QByteArray geometry;
        {
            MainWindow window;
            auto* page = new RecordingPage(window.apiClient(), &window);
            window.addPage(page);
            page->filter = QStringLiteral("status:locked");
            window.resize(900, 640);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
            geometry = window.saveGeometry();
        }
        MainWindow again;
        auto* page = new RecordingPage(again.apiClient(), &again);
        again.addPage(page);
        QCOMPARE(page->filter, QStringLiteral("status:locked"));
        QCOMPARE(QSettings().value(QStringLiteral("window/geometry")).toByteArray(), geometry);
        QCOMPARE(again.size(), QSize(900, 640));
    }

    void keyringAbsenceIsSaidInWords()
    {
        // The test machine has no keyring daemon; where one exists the password round-trips instead.
        CredentialStore store(nullptr);
        QObject context;
        const QString key = CredentialStore::keyFor(serverUrl(), kAdminEmail);
        std::optional<QString> outcome;
        store.store(key, kAdminPassword, &context, [&outcome]() { outcome = QString(); },
                    [&outcome](const QString& reason) { outcome = reason; });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 30000);
        if (outcome->isEmpty()) {
            std::optional<QString> read;
            store.read(key, &context, [&read](const QString& password) { read = password; },
                       [](const QString& reason) { QFAIL(qPrintable(reason)); });
            QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 30000);
            QCOMPARE(*read, kAdminPassword);
            store.remove(key, &context, []() {}, [](const QString&) {});
        } else {
            QVERIFY2(outcome->contains(QStringLiteral("keyring")), qPrintable(*outcome));
        }
    }

private:
    QString serverUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()); }

    LoginDialog* openDialog(MainWindow& window)
    {
        window.setServerUrlText(serverUrl());
        window.connectToServer();
        window.openLoginDialog();
        return window.loginDialog();
    }

    static void signIn(LoginDialog* dialog, const QString& email, const QString& password)
    {
        auto* emailEdit = dialog->findChild<QLineEdit*>(QStringLiteral("loginEmailEdit"));
        auto* passwordEdit = dialog->findChild<QLineEdit*>(QStringLiteral("loginPasswordEdit"));
        emailEdit->clear();
        QTest::keyClicks(emailEdit, email);
        passwordEdit->clear();
        QTest::keyClicks(passwordEdit, password);
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("signInButton")), Qt::LeftButton);
    }

    static void signInDirectly(ApiClient* api)
    {
        bool done = false;
        api->login(kAdminEmail, kAdminPassword, api, [&done](const QString& mfaToken) { done = mfaToken.isEmpty(); },
                   [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(done, 15000);
    }

    std::optional<ServerProcess> m_server;
};

QTEST_MAIN(TestConsoleShell)
#include "tst_console_shell.moc"
