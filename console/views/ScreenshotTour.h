#pragma once

#include <QObject>
#include <QString>

namespace authshield::console {

class MainWindow;

// `authshield-console --screenshots DIR` (hidden; scripts/console-screenshots.sh): signs in with
// AUTHSHIELD_CONSOLE_EMAIL / AUTHSHIELD_CONSOLE_PASSWORD, shows every page of the window in turn (whatever pages
// are registered), lets each load, and writes one PNG per screen plus the sign-in and local-server dialogs.
// Ends the application with 0 when every file was written.
class ScreenshotTour : public QObject
{
    Q_OBJECT

public:
    ScreenshotTour(MainWindow* window, const QString& directory, QObject* parent);
    void start();

private:
    void next();
    bool grab(QWidget* widget, const QString& name);

    MainWindow* m_window;
    QString m_directory;
    int m_index = 0;
    int m_failures = 0;
};

} // namespace authshield::console
