#include "console/views/MainWindow.h"
#include "console/api/ApiClient.h"
#include "console/views/ScreenshotTour.h"
#include "shared/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

using authshield::console::ApiClient;
using authshield::console::MainWindow;
using authshield::console::ScreenshotTour;

int main(int argc, char** argv)
{
    // Organisation and application name place the QSettings file (~/.config/AuthShield/authshield-console.conf).
    QApplication::setOrganizationName(QStringLiteral("AuthShield"));
    QApplication::setOrganizationDomain(QStringLiteral("authshield.dev"));
    QApplication::setApplicationName(QStringLiteral("authshield-console"));
    QApplication::setApplicationVersion(authshield::versionString());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Desktop administration console for AuthShield servers."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption serverOption(QStringList{QStringLiteral("server")},
                                          QStringLiteral("Connect to the server at <url> on start "
                                                         "(e.g. http://127.0.0.1:8080)."),
                                          QStringLiteral("url"));
    parser.addOption(serverOption);
    // Hidden: scripts/console-screenshots.sh writes one PNG per screen with it.
    QCommandLineOption screenshotsOption(QStringList{QStringLiteral("screenshots")},
                                         QStringLiteral("Write one PNG per screen into <dir>, then exit."),
                                         QStringLiteral("dir"));
    screenshotsOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(screenshotsOption);

    // --help and --version must work without a display, so they are answered before QApplication exists.
    // Qt's own options (-platform …) are unknown here; QApplication removes them before the real parse.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    (void)parser.parse(arguments);
    if (parser.isSet(helpOption)) {
        // Without an application object Qt cannot name the executable itself.
        QTextStream(stdout) << parser.helpText().replace(QStringLiteral("<executable_name>"),
                                                        QStringLiteral("authshield-console"));
        return 0;
    }
    if (parser.isSet(versionOption)) {
        QTextStream(stdout) << QStringLiteral("AuthShield Console ") << authshield::versionString() << Qt::endl;
        return 0;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(QStringLiteral("AuthShield Console"));
    parser.process(app); // exits with a message on unknown options or a missing <url>

    MainWindow window;
    if (parser.isSet(serverOption)) {
        const auto url = ApiClient::parseServerUrl(parser.value(serverOption));
        if (!url.ok()) {
            QTextStream(stderr) << QStringLiteral("authshield-console: --server: ") << url.error().message << Qt::endl;
            return 2;
        }
        window.setServerUrlText(url->toString());
    }
    window.show();
    if (parser.isSet(screenshotsOption)) {
        window.connectToServer();
        auto* tour = new ScreenshotTour(&window, parser.value(screenshotsOption), &window);
        tour->start();
        return app.exec();
    }
    // The first thing to do is to sign in: the dialog opens pre-filled (with --server, or the server used last).
    if (parser.isSet(serverOption))
        window.connectToServer();
    window.openLoginDialog();
    return app.exec();
}
