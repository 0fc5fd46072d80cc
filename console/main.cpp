#include "console/views/MainWindow.h"
#include "console/api/ApiClient.h"
#include "shared/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

using authshield::console::ApiClient;
using authshield::console::MainWindow;

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    // Organisation and application name place the QSettings file (~/.config/AuthShield/console.conf).
    QApplication::setOrganizationName(QStringLiteral("AuthShield"));
    QApplication::setOrganizationDomain(QStringLiteral("authshield.dev"));
    QApplication::setApplicationName(QStringLiteral("console"));
    QApplication::setApplicationDisplayName(QStringLiteral("AuthShield Console"));
    QApplication::setApplicationVersion(authshield::versionString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Desktop administration console for AuthShield servers."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption serverOption(QStringList{QStringLiteral("server")},
                                          QStringLiteral("Connect to the server at <url> on start "
                                                         "(e.g. http://127.0.0.1:8080)."),
                                          QStringLiteral("url"));
    parser.addOption(serverOption);
    parser.process(app);

    MainWindow window;
    if (parser.isSet(serverOption)) {
        const auto url = ApiClient::parseServerUrl(parser.value(serverOption));
        if (!url.ok()) {
            QTextStream(stderr) << QStringLiteral("authshield-console: --server: ")
                                << url.error().message << Qt::endl;
            return 2;
        }
        window.setServerUrlText(url->toString());
    }
    window.show();
    if (parser.isSet(serverOption))
        window.connectToServer();
    return app.exec();
}
