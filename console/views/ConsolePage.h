#pragma once

#include <QWidget>

class QSettings;

namespace authshield::console {

class ApiClient;
struct ApiError;

// One screen of the main window (dashboard, users, roles, …). The window owns navigation, the status bar and the
// shortcuts; a page only talks to the server through the shared ApiClient and reports what went wrong.
class ConsolePage : public QWidget
{
    Q_OBJECT

public:
    ConsolePage(ApiClient* api, QWidget* parent)
        : QWidget(parent)
        , m_api(api)
    {
    }

    virtual QString title() const = 0; // navigation label, also the objectName's stem in tests
    virtual void refresh() = 0; // F5, and when the page is shown after a (re)connect
    virtual void focusSearch() {} // Ctrl+F: pages with a search field focus it
    virtual void saveState(QSettings& settings) const { (void)settings; } // column widths, splitters, filters
    virtual void restoreState(QSettings& settings) { (void)settings; }

Q_SIGNALS:
    // The window shows it in words with the request id; a 401 makes the window ask for the login again.
    void errorOccurred(const authshield::console::ApiError& error);
    void busyChanged(bool busy);
    void statusMessage(const QString& text);

protected:
    ApiClient* api() const { return m_api; }

private:
    ApiClient* m_api;
};

} // namespace authshield::console
