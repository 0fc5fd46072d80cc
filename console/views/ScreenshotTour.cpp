#include "console/views/ScreenshotTour.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/views/ConsolePage.h"
#include "console/views/LocalServerDialog.h"
#include "console/views/LoginDialog.h"
#include "console/views/MainWindow.h"

#include <QCoreApplication>
#include <QDir>
#include <QPixmap>
#include <QProcessEnvironment>
#include <QTextStream>
#include <QTimer>

namespace authshield::console {

namespace {
constexpr int kSettleMs = 2500; // long enough for a page's requests against a local server
}

ScreenshotTour::ScreenshotTour(MainWindow* window, const QString& directory, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_directory(directory)
{
}

void ScreenshotTour::start()
{
    QDir().mkpath(m_directory);
    m_window->resize(1280, 800);
    m_window->openLoginDialog();
    QTimer::singleShot(500, this, [this]() {
        if (!grab(m_window->loginDialog(), QStringLiteral("00-sign-in")))
            ++m_failures;
        m_window->loginDialog()->hide();
        const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        m_window->apiClient()->login(env.value(QStringLiteral("AUTHSHIELD_CONSOLE_EMAIL")),
                                     env.value(QStringLiteral("AUTHSHIELD_CONSOLE_PASSWORD")), this,
                                     [this](const QString&) { QTimer::singleShot(300, this, &ScreenshotTour::next); },
                                     [this](const ApiError& error) {
                                         QTextStream(stderr) << QStringLiteral("sign-in failed: ") << error.displayText()
                                                             << Qt::endl;
                                         QCoreApplication::exit(1);
                                     });
    });
}

void ScreenshotTour::next()
{
    const QList<ConsolePage*> pages = m_window->pages();
    if (m_index < pages.size()) {
        ConsolePage* page = pages.at(m_index);
        m_window->showPage(page->title());
        if (m_index == 0)
            page->refresh();
        QTimer::singleShot(kSettleMs, this, [this, page]() {
            if (!grab(m_window, QStringLiteral("%1-%2").arg(m_index + 1, 2, 10, QLatin1Char('0')).arg(page->title().toLower().replace(QLatin1Char(' '), QLatin1Char('-')))))
                ++m_failures;
            ++m_index;
            next();
        });
        return;
    }
    m_window->openLocalServerDialog();
    QTimer::singleShot(500, this, [this]() {
        if (!grab(m_window->localServerDialog(), QStringLiteral("%1-local-server").arg(m_index + 1, 2, 10, QLatin1Char('0'))))
            ++m_failures;
        QCoreApplication::exit(m_failures == 0 ? 0 : 1);
    });
}

bool ScreenshotTour::grab(QWidget* widget, const QString& name)
{
    const QString path = QDir(m_directory).filePath(name + QStringLiteral(".png"));
    const bool saved = widget && widget->grab().save(path);
    QTextStream(stdout) << (saved ? QStringLiteral("wrote ") : QStringLiteral("could not write ")) << path << Qt::endl;
    return saved;
}

} // namespace authshield::console
