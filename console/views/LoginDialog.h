#pragma once

#include <QDialog>
#include <QSslCertificate>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QStackedWidget;

namespace authshield::console {

class ApiClient;
class CredentialStore;
struct ApiError;

// Connect and sign in: server URL (recent servers offered), admin email and password, then a TOTP code when the
// server asks for one. A certificate the system does not trust is shown in full with an explicit "Trust this
// certificate" choice, remembered per server by its SHA-256 fingerprint. Accepted once the ApiClient holds tokens.
class LoginDialog : public QDialog
{
    Q_OBJECT

public:
    LoginDialog(ApiClient* api, CredentialStore* credentials, QWidget* parent);

    void setServerUrl(const QString& url);
    void setEmail(const QString& email);
    // After a session expired: the same server, so switching would lose the current screen's context.
    void setServerLocked(bool locked);
    void setMessage(const QString& text);
    QString serverUrl() const;

    static QStringList recentServers();

Q_SIGNALS:
    // Something the user should know after the dialog has closed (e.g. the keyring is unavailable).
    void notice(const QString& text);

private:
    void submit();
    void signedIn();
    void showError(const ApiError& error);
    void showCertificate(const QString& hostPort, const QSslCertificate& certificate);
    void setBusy(bool busy);
    void rememberServer(const QString& url);
    void offerSavedPassword();

    ApiClient* m_api;
    CredentialStore* m_credentials;
    QStackedWidget* m_steps = nullptr;
    QComboBox* m_serverCombo = nullptr;
    QLineEdit* m_emailEdit = nullptr;
    QLineEdit* m_passwordEdit = nullptr;
    QCheckBox* m_rememberCheck = nullptr;
    QLineEdit* m_codeEdit = nullptr;
    QLabel* m_messageLabel = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_keyringLabel = nullptr;
    QGroupBox* m_tlsBox = nullptr;
    QLabel* m_tlsDetails = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QString m_mfaToken;
    QString m_untrustedHost;
    QSslCertificate m_untrustedCertificate;
    bool m_busy = false;
};

} // namespace authshield::console
