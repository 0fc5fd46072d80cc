#pragma once

#include <QList>
#include <QMainWindow>
#include <QSet>

class QLabel;
class QListWidget;
class QStackedWidget;
class QFrame;

namespace authshield {
struct ReadinessReport;
}

namespace authshield::console {

class ApiClient;
class ConsolePage;
class CredentialStore;
class LoginDialog;
class LocalServerDialog;
class ServerPage;
struct ApiError;

// The console's shell: navigation list + one ConsolePage per screen, a non-modal error banner (words + request
// id), a status bar (server, signed-in user, connection state), Ctrl+F / F5 for the current page, and the
// sign-in dialog — which comes back when the session ends, over the screen the user was on.
// Owns the one ApiClient every page shares.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ApiClient* apiClient() const { return m_api; }
    CredentialStore* credentialStore() const { return m_credentials; }

    // Pages appear in the navigation in the order added; their saved state is restored as they are added.
    void addPage(ConsolePage* page);
    QList<ConsolePage*> pages() const { return m_pages; }
    ConsolePage* currentPage() const;
    bool showPage(const QString& title); // false when no page has that title

    void setServerUrlText(const QString& text);
    // Reads the Server page's URL field and asks the server for readiness (Connect, Enter and F5 there).
    void connectToServer();
    // The sign-in dialog, pre-filled with the current server URL; message explains why it is shown.
    void openLoginDialog(const QString& message = QString());
    LoginDialog* loginDialog() const { return m_loginDialog; }
    void openLocalServerDialog();
    LocalServerDialog* localServerDialog() const { return m_localServerDialog; }

    void showError(const authshield::console::ApiError& error);
    void showBanner(const QString& text);
    void hideBanner();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    enum class State { Disconnected, Connecting, Ready, NotReady, Unreachable, Refused };

    void buildUi();
    void addStandardPages();
    void showReadiness(const authshield::ReadinessReport& report);
    void readinessFailed(const authshield::console::ApiError& error);
    void pageChanged(int row);
    void afterSignIn();
    void sessionEnded(const authshield::console::ApiError& error);
    void setState(State state);
    void updateStatusBar();
    void saveLayout() const;

    ApiClient* m_api;
    CredentialStore* m_credentials;
    LoginDialog* m_loginDialog = nullptr;
    LocalServerDialog* m_localServerDialog = nullptr;
    ServerPage* m_serverPage = nullptr;
    QListWidget* m_navigation = nullptr;
    QStackedWidget* m_stack = nullptr;
    QFrame* m_banner = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_serverLabel = nullptr;
    QLabel* m_userLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
    QList<ConsolePage*> m_pages;
    QSet<ConsolePage*> m_stale; // pages to refresh when next shown (after a sign-in)
    State m_state = State::Disconnected;
    QString m_accountEmail; // as the server spells it (GET /users/me); empty until known
};

} // namespace authshield::console
