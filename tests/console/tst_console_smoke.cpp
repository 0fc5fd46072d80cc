#include "console/api/ApiClient.h"
#include "console/views/MainWindow.h"
#include "tests/support/ServerProcess.h"

#include <QApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTcpServer>
#include <QTest>

#include <chrono>
#include <memory>
#include <optional>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;
using namespace std::chrono_literals;

namespace {

// The status column of the dependency's row in the window's table; empty when there is no such row.
QString statusShown(const MainWindow& window, const QString& dependency)
{
    const auto* table = window.findChild<QTableWidget*>(QStringLiteral("dependencyTable"));
    for (int row = 0; table && row < table->rowCount(); ++row) {
        if (table->item(row, 0) && table->item(row, 0)->text() == dependency)
            return table->item(row, 1) ? table->item(row, 1)->text() : QString();
    }
    return {};
}

QString labelText(const MainWindow& window, const char* name)
{
    const auto* label = window.findChild<QLabel*>(QString::fromLatin1(name));
    return label ? label->text() : QString();
}

bool errorVisible(const MainWindow& window)
{
    const auto* label = window.findChild<QLabel*>(QStringLiteral("errorLabel"));
    return label && label->isVisible();
}

} // namespace

// The console's walking skeleton against the real server binary: the ApiClient reads /ready, the main window
// connects from what a user types and clicks, and failures read as sentences with the request id.
class TestConsoleSmoke : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location, not the developer's
        QApplication::setOrganizationName(QStringLiteral("AuthShieldTest"));
        QApplication::setApplicationName(QStringLiteral("console-smoke"));
        QSettings().clear();
        QVERIFY2(m_server.start(), m_server.log().constData());
    }

    void cleanupTestCase()
    {
        QSettings().clear();
        QCOMPARE(m_server.stop(), 0);
    }

    void apiClientLoadsReadiness()
    {
        QObject owner;
        auto* api = new ApiClient(&owner);
        QSignalSpy loaded(api, &ApiClient::readinessLoaded);
        QSignalSpy failed(api, &ApiClient::requestFailed);
        api->setServerUrl(serverUrl());
        api->fetchReadiness();
        QVERIFY(loaded.wait(15000));
        QCOMPARE(failed.count(), 0);
        const auto report = loaded.first().first().value<ReadinessReport>();
        QVERIFY(report.ready);
        const DependencyReadiness* database = report.dependency(QStringLiteral("database"));
        const DependencyReadiness* redis = report.dependency(QStringLiteral("redis"));
        QVERIFY(database && redis);
        QVERIFY(database->up);
        QVERIFY(redis->up);
        QCOMPARE(database->backend, QStringLiteral("sqlite"));
        QCOMPARE(redis->backend, QStringLiteral("in-process"));
        QVERIFY(database->latencyMs >= 0);
    }

    void sendReadsJsonAndErrors()
    {
        QObject owner;
        auto* api = new ApiClient(&owner);
        api->setServerUrl(serverUrl());

        // An error answer arrives as the envelope in words with the server's request id.
        std::optional<ApiError> failure;
        api->send("GET", QStringLiteral("/api/v1/users/me"), {}, {}, &owner,
                  [](const QJsonDocument&, int) { QFAIL("an anonymous /users/me must not succeed"); },
                  [&failure](const ApiError& error) { failure = error; });
        QTRY_VERIFY_WITH_TIMEOUT(failure.has_value(), 15000);
        QCOMPARE(failure->kind, ApiError::Kind::Server);
        QCOMPARE(failure->httpStatus, 401);
        QCOMPARE(failure->endpoint, QStringLiteral("GET /api/v1/users/me"));
        QVERIFY(!failure->code.isEmpty());
        QVERIFY(!failure->requestId.isEmpty());

        // A JSON body goes out with its content type; a 422 names the field.
        failure.reset();
        api->send("POST", QStringLiteral("/api/v1/auth/login"), {}, QJsonDocument(QJsonObject{{"email", 42}}), &owner,
                  [](const QJsonDocument&, int) { QFAIL("a malformed login must not succeed"); },
                  [&failure](const ApiError& error) { failure = error; });
        QTRY_VERIFY_WITH_TIMEOUT(failure.has_value(), 15000);
        QCOMPARE(failure->httpStatus, 422);
        QVERIFY(failure->fields.contains(QStringLiteral("email")));

        // Success hands over the parsed document.
        std::optional<QJsonDocument> jwks;
        api->send("GET", QStringLiteral("/.well-known/jwks.json"), {}, {}, &owner,
                  [&jwks](const QJsonDocument& body, int status) {
                      QCOMPARE(status, 200);
                      jwks = body;
                  },
                  [](const ApiError& error) { QFAIL(qPrintable(error.displayText())); });
        QTRY_VERIFY_WITH_TIMEOUT(jwks.has_value(), 15000);
        QVERIFY(!jwks->object().value(QStringLiteral("keys")).toArray().isEmpty());

        // A closed screen (dead context) never hears back.
        bool called = false;
        {
            QObject screen;
            api->send("GET", QStringLiteral("/health"), {}, {}, &screen, [&called](const QJsonDocument&, int) { called = true; },
                      [&called](const ApiError&) { called = true; });
        }
        QSignalSpy dummy(api, &ApiClient::readinessLoaded);
        api->fetchReadiness();
        QVERIFY(dummy.wait(15000));
        QVERIFY(!called);
    }

    void windowConnectsFromTypedUrl()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("AuthShield Console"));
        auto* edit = window.findChild<QLineEdit*>(QStringLiteral("serverUrlEdit"));
        auto* connectButton = window.findChild<QPushButton*>(QStringLiteral("connectButton"));
        QVERIFY(edit && connectButton);
        QCOMPARE(edit->text(), QStringLiteral("http://127.0.0.1:8080")); // nothing remembered yet

        edit->clear();
        QTest::keyClicks(edit, serverUrl().toString());
        QTest::mouseClick(connectButton, Qt::LeftButton);

        QTRY_COMPARE_WITH_TIMEOUT(statusShown(window, QStringLiteral("database")), QStringLiteral("Up"), 15000);
        QCOMPARE(statusShown(window, QStringLiteral("redis")), QStringLiteral("Up"));
        QVERIFY(!errorVisible(window));
        const QString state = labelText(window, "connectionStateLabel");
        QVERIFY2(state.contains(serverUrl().toString()) && state.contains(QStringLiteral("ready")), qPrintable(state));

        // The next start offers the server used last.
        MainWindow next;
        QCOMPARE(next.findChild<QLineEdit*>(QStringLiteral("serverUrlEdit"))->text(), serverUrl().toString());
    }

    void f5ChecksAgain()
    {
        MainWindow window;
        window.setServerUrlText(serverUrl().toString());
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QSignalSpy loaded(window.apiClient(), &ApiClient::readinessLoaded);
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(loaded.wait(15000));
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(loaded.wait(15000));
        QCOMPARE(loaded.count(), 2);
        QCOMPARE(statusShown(window, QStringLiteral("database")), QStringLiteral("Up"));
    }

    void unreachableServerIsExplained_data()
    {
        QTest::addColumn<bool>("listening"); // true: accepts the connection but never answers
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("words");
        QTest::addRow("connection refused") << false << int(ApiError::Kind::Network) << QStringLiteral("refused");
        QTest::addRow("no answer before the timeout") << true << int(ApiError::Kind::Timeout)
                                                      << QStringLiteral("did not answer within 0.5 seconds");
    }

    void unreachableServerIsExplained()
    {
        QFETCH(bool, listening);
        QFETCH(int, kind);
        QFETCH(QString, words);

        QTcpServer socket;
        QVERIFY(socket.listen(QHostAddress::LocalHost, 0));
        const quint16 port = socket.serverPort();
        if (!listening)
            socket.close(); // nothing listens on this port any more
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);

        MainWindow window;
        window.apiClient()->setTransferTimeout(500ms);
        window.setServerUrlText(url);
        window.show();
        QSignalSpy failed(window.apiClient(), &ApiClient::requestFailed);
        QSignalSpy loaded(window.apiClient(), &ApiClient::readinessLoaded);
        window.connectToServer();
        QVERIFY(failed.wait(15000));
        QCOMPARE(loaded.count(), 0);

        const auto error = failed.first().first().value<ApiError>();
        QCOMPARE(int(error.kind), kind);
        QCOMPARE(error.endpoint, QStringLiteral("GET /ready"));
        QVERIFY2(error.message.contains(words), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(error.message));
        QVERIFY(error.requestId.isEmpty()); // the server never saw it

        QTRY_VERIFY(errorVisible(window));
        QCOMPARE(labelText(window, "errorLabel"), error.message);
        QVERIFY(labelText(window, "connectionStateLabel").startsWith(QStringLiteral("Cannot reach ") + url));
        QVERIFY(statusShown(window, QStringLiteral("database")).isEmpty());
    }

    void serverErrorShowsRequestId()
    {
        // A wrong path prefix reaches the real server, which answers with its 404 envelope.
        MainWindow window;
        window.setServerUrlText(serverUrl().toString() + QStringLiteral("/not-here"));
        window.show();
        QSignalSpy failed(window.apiClient(), &ApiClient::requestFailed);
        window.connectToServer();
        QVERIFY(failed.wait(15000));
        const auto error = failed.first().first().value<ApiError>();
        QCOMPARE(error.kind, ApiError::Kind::Server);
        QCOMPARE(error.httpStatus, 404);
        QCOMPARE(error.code, QStringLiteral("not_found"));
        QVERIFY(!error.message.isEmpty());
        QVERIFY(!error.requestId.isEmpty());
        QTRY_VERIFY(errorVisible(window));
        const QString shown = labelText(window, "errorLabel");
        QVERIFY2(shown.contains(error.message) && shown.contains(QStringLiteral("request id: ") + error.requestId),
                 qPrintable(shown));
        QVERIFY(labelText(window, "connectionStateLabel").contains(QStringLiteral("answered with an error")));
    }

    void typedNonsenseIsRejectedBeforeSending()
    {
        MainWindow window;
        window.setServerUrlText(QStringLiteral("ftp://127.0.0.1:21"));
        QSignalSpy failed(window.apiClient(), &ApiClient::requestFailed);
        window.show();
        window.connectToServer();
        QVERIFY(errorVisible(window));
        QVERIFY(labelText(window, "errorLabel").contains(QStringLiteral("http://")));
        QCOMPARE(labelText(window, "connectionStateLabel"), QStringLiteral("Not connected"));
        QCOMPARE(failed.count(), 0);
    }

    void envelopeParsesIntoApiError_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("requestId");

        QTest::addRow("validation envelope")
            << 422
            << QByteArray(R"({"error":{"code":"validation_failed","message":"Check the highlighted fields.",)"
                          R"("request_id":"from-body","fields":{"email":"is not an email address"}}})")
            << QStringLiteral("validation_failed") << QStringLiteral("Check the highlighted fields.")
            << QStringLiteral("from-body");
        QTest::addRow("proxy error page") << 502 << QByteArray("<html>Bad Gateway</html>") << QString()
                                          << QStringLiteral("The server answered with HTTP status 502 and no error details.")
                                          << QStringLiteral("from-header");
        QTest::addRow("JSON that is not an envelope")
            << 500 << QByteArray(R"({"oops":true})") << QString()
            << QStringLiteral("The server answered with HTTP status 500 and no error details.") << QStringLiteral("from-header");
    }

    void envelopeParsesIntoApiError()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        QFETCH(QString, message);
        QFETCH(QString, requestId);
        const ApiError error = ApiError::fromHttp(QStringLiteral("POST /api/v1/x"), status, body, QStringLiteral("from-header"));
        QCOMPARE(error.kind, ApiError::Kind::Server);
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.code, code);
        QCOMPARE(error.message, message);
        QCOMPARE(error.requestId, requestId);
        QCOMPARE(error.displayText(), message + QStringLiteral(" (request id: ") + requestId + QLatin1Char(')'));
        if (status == 422)
            QCOMPARE(error.fields.value(QStringLiteral("email")), QStringLiteral("is not an email address"));
    }

private:
    QUrl serverUrl() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.port())); }

    ServerProcess m_server;
};

QTEST_MAIN(TestConsoleSmoke)
#include "tst_console_smoke.moc"
