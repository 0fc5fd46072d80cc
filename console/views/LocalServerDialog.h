#pragma once

#include <QDialog>

class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace authshield::console {

class ApiClient;
class EmbeddedServer;

// "Start a local server…": pick a data dir, start the embedded server (its log scrolls live), create the first
// administrator, and sign in to it — the whole first-run path without a terminal. Non-modal; the server keeps
// running when the dialog is closed and stops with the console.
class LocalServerDialog : public QDialog
{
    Q_OBJECT

public:
    LocalServerDialog(ApiClient* api, QWidget* parent);

    EmbeddedServer* server() const { return m_server; }
    void setDataDir(const QString& path);
    void startServer();
    void createAdminAndSignIn();
    void stopServer();

Q_SIGNALS:
    void connected(const QString& url);

private:
    void serverStarted(quint16 port);
    void serverFailed(const QString& reason);
    void appendLog(const QString& line);

    ApiClient* m_api;
    EmbeddedServer* m_server;
    QLineEdit* m_dataDir = nullptr;
    QPushButton* m_startButton = nullptr;
    QPushButton* m_stopButton = nullptr;
    QLabel* m_statusLabel = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QGroupBox* m_adminBox = nullptr;
    QLineEdit* m_email = nullptr;
    QLineEdit* m_password = nullptr;
    QPushButton* m_createButton = nullptr;
    QLabel* m_adminLabel = nullptr;
};

} // namespace authshield::console
