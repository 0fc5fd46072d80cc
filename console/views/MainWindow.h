#pragma once

#include <QMainWindow>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace authshield {
struct ReadinessReport;
}

namespace authshield::console {

class ApiClient;
struct ApiError;

// The console's first screen: pick a server, connect, see whether it is ready and why not.
// Owns its ApiClient; every server conversation goes through it.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

    ApiClient* apiClient() const { return m_api; }
    void setServerUrlText(const QString& text);

    // Reads the URL field, remembers it and asks the server for readiness (Connect, Enter and F5).
    void connectToServer();

private:
    enum class State { Disconnected, Connecting, Ready, NotReady, Unreachable, Refused };

    void buildUi();
    void showReadiness(const authshield::ReadinessReport& report);
    void showError(const authshield::console::ApiError& error);
    void showMessage(const QString& text);
    void setState(State state);

    ApiClient* m_api;
    QLineEdit* m_urlEdit = nullptr;
    QPushButton* m_connectButton = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QTableWidget* m_dependencyTable = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
};

} // namespace authshield::console
