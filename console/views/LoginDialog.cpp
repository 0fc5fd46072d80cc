#include "console/views/LoginDialog.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/api/CredentialStore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace authshield::console {

namespace {
const QString kRecentKey = QStringLiteral("connection/recentServers");
const QString kLastEmailKey = QStringLiteral("connection/lastEmail");
const QString kRememberKey = QStringLiteral("connection/rememberPassword");
constexpr int kMaxRecent = 8;
} // namespace

LoginDialog::LoginDialog(ApiClient* api, CredentialStore* credentials, QWidget* parent)
    : QDialog(parent)
    , m_api(api)
    , m_credentials(credentials)
{
    setObjectName(QStringLiteral("loginDialog"));
    setWindowTitle(QStringLiteral("Sign in to an AuthShield server"));
    auto* layout = new QVBoxLayout(this);

    m_messageLabel = new QLabel(this);
    m_messageLabel->setObjectName(QStringLiteral("loginMessageLabel"));
    m_messageLabel->setWordWrap(true);
    m_messageLabel->hide();
    layout->addWidget(m_messageLabel);

    m_steps = new QStackedWidget(this);
    auto* credentialsPage = new QWidget(m_steps);
    auto* form = new QFormLayout(credentialsPage);
    m_serverCombo = new QComboBox(credentialsPage);
    m_serverCombo->setObjectName(QStringLiteral("loginServerCombo"));
    m_serverCombo->setEditable(true);
    m_serverCombo->addItems(recentServers());
    m_serverCombo->setMinimumContentsLength(28);
    m_emailEdit = new QLineEdit(QSettings().value(kLastEmailKey).toString(), credentialsPage);
    m_emailEdit->setObjectName(QStringLiteral("loginEmailEdit"));
    m_emailEdit->setPlaceholderText(QStringLiteral("admin@example.com"));
    m_passwordEdit = new QLineEdit(credentialsPage);
    m_passwordEdit->setObjectName(QStringLiteral("loginPasswordEdit"));
    m_passwordEdit->setEchoMode(QLineEdit::Password);
    m_rememberCheck = new QCheckBox(QStringLiteral("&Remember the password in the system keyring"), credentialsPage);
    m_rememberCheck->setObjectName(QStringLiteral("rememberPasswordCheck"));
    m_rememberCheck->setChecked(QSettings().value(kRememberKey, false).toBool());
    m_keyringLabel = new QLabel(credentialsPage);
    m_keyringLabel->setObjectName(QStringLiteral("keyringLabel"));
    m_keyringLabel->setWordWrap(true);
    m_keyringLabel->hide();
    form->addRow(QStringLiteral("&Server:"), m_serverCombo);
    form->addRow(QStringLiteral("&Email:"), m_emailEdit);
    form->addRow(QStringLiteral("&Password:"), m_passwordEdit);
    form->addRow(QString(), m_rememberCheck);
    form->addRow(QString(), m_keyringLabel);
    m_steps->addWidget(credentialsPage);

    auto* codePage = new QWidget(m_steps);
    auto* codeForm = new QFormLayout(codePage);
    auto* codeHint = new QLabel(QStringLiteral("This account uses two-factor authentication. Enter the 6-digit code "
                                               "from your authenticator app, or a recovery code."),
                                codePage);
    codeHint->setWordWrap(true);
    m_codeEdit = new QLineEdit(codePage);
    m_codeEdit->setObjectName(QStringLiteral("loginCodeEdit"));
    m_codeEdit->setPlaceholderText(QStringLiteral("123456"));
    codeForm->addRow(codeHint);
    codeForm->addRow(QStringLiteral("&Code:"), m_codeEdit);
    m_steps->addWidget(codePage);
    layout->addWidget(m_steps);

    m_tlsBox = new QGroupBox(QStringLiteral("The server's certificate is not trusted"), this);
    m_tlsBox->setObjectName(QStringLiteral("tlsBox"));
    auto* tlsLayout = new QVBoxLayout(m_tlsBox);
    m_tlsDetails = new QLabel(m_tlsBox);
    m_tlsDetails->setObjectName(QStringLiteral("tlsDetailsLabel"));
    m_tlsDetails->setWordWrap(true);
    m_tlsDetails->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* trustButton = new QPushButton(QStringLiteral("&Trust this certificate for this server"), m_tlsBox);
    trustButton->setObjectName(QStringLiteral("trustCertificateButton"));
    tlsLayout->addWidget(m_tlsDetails);
    tlsLayout->addWidget(trustButton, 0, Qt::AlignLeft);
    m_tlsBox->hide();
    layout->addWidget(m_tlsBox);

    m_errorLabel = new QLabel(this);
    m_errorLabel->setObjectName(QStringLiteral("loginErrorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setStyleSheet(QStringLiteral("QLabel { color: #8c1d18; }"));
    m_errorLabel->hide();
    layout->addWidget(m_errorLabel);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(QStringLiteral("&Sign in"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("signInButton"));
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &LoginDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_emailEdit, &QLineEdit::editingFinished, this, &LoginDialog::offerSavedPassword);
    connect(trustButton, &QPushButton::clicked, this, [this]() {
        ApiClient::trustCertificate(m_untrustedHost, ApiClient::fingerprint(m_untrustedCertificate));
        m_tlsBox->hide();
        submit();
    });
    connect(m_api, &ApiClient::tlsCertificateRejected, this, &LoginDialog::showCertificate);
    m_passwordEdit->setFocus();
}

QStringList LoginDialog::recentServers()
{
    return QSettings().value(kRecentKey).toStringList();
}

void LoginDialog::setServerUrl(const QString& url)
{
    m_serverCombo->setCurrentText(url);
}

void LoginDialog::setEmail(const QString& email)
{
    m_emailEdit->setText(email);
}

void LoginDialog::setServerLocked(bool locked)
{
    m_serverCombo->setEnabled(!locked);
}

void LoginDialog::setMessage(const QString& text)
{
    m_messageLabel->setText(text);
    m_messageLabel->setVisible(!text.isEmpty());
}

QString LoginDialog::serverUrl() const
{
    return m_serverCombo->currentText().trimmed();
}

void LoginDialog::submit()
{
    if (m_busy)
        return;
    m_errorLabel->hide();
    if (m_steps->currentIndex() == 1) {
        if (m_codeEdit->text().trimmed().isEmpty()) {
            m_errorLabel->setText(QStringLiteral("Enter the code from your authenticator app."));
            m_errorLabel->show();
            return;
        }
        setBusy(true);
        m_api->verifyMfa(m_mfaToken, m_codeEdit->text().trimmed(), this,
                         [this](const QString& mfaToken) {
                             setBusy(false);
                             if (mfaToken.isEmpty())
                                 signedIn();
                         },
                         [this](const ApiError& error) { showError(error); });
        return;
    }
    const Result<QUrl> url = ApiClient::parseServerUrl(serverUrl());
    if (!url) {
        m_errorLabel->setText(url.error().message);
        m_errorLabel->show();
        return;
    }
    if (m_emailEdit->text().trimmed().isEmpty() || m_passwordEdit->text().isEmpty()) {
        m_errorLabel->setText(QStringLiteral("Enter the administrator's email and password."));
        m_errorLabel->show();
        return;
    }
    m_api->setServerUrl(url.value());
    setBusy(true);
    m_api->login(m_emailEdit->text().trimmed(), m_passwordEdit->text(), this,
                 [this](const QString& mfaToken) {
                     setBusy(false);
                     if (mfaToken.isEmpty()) {
                         signedIn();
                         return;
                     }
                     m_mfaToken = mfaToken;
                     m_steps->setCurrentIndex(1);
                     m_codeEdit->setFocus();
                 },
                 [this](const ApiError& error) { showError(error); });
}

void LoginDialog::signedIn()
{
    const QString url = m_api->serverUrl().toString();
    rememberServer(url);
    QSettings().setValue(kLastEmailKey, m_emailEdit->text().trimmed());
    QSettings().setValue(kRememberKey, m_rememberCheck->isChecked());
    const QString key = CredentialStore::keyFor(url, m_emailEdit->text());
    auto* credentials = m_credentials;
    auto notify = [this](const QString& reason) { Q_EMIT notice(reason); };
    if (m_rememberCheck->isChecked())
        credentials->store(key, m_passwordEdit->text(), this, []() {}, notify);
    else
        credentials->remove(key, this, []() {}, [](const QString&) {});
    m_passwordEdit->clear();
    m_codeEdit->clear();
    m_steps->setCurrentIndex(0);
    accept();
}

void LoginDialog::showError(const ApiError& error)
{
    setBusy(false);
    QString text = error.displayText();
    if (error.code == QStringLiteral("invalid_credentials"))
        text = QStringLiteral("The email or password is wrong. ") + text;
    if (m_steps->currentIndex() == 1 && error.httpStatus == 401 && error.code != QStringLiteral("invalid_code")) {
        // The MFA step expired: start over with the password.
        m_steps->setCurrentIndex(0);
    }
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

void LoginDialog::showCertificate(const QString& hostPort, const QSslCertificate& certificate)
{
    m_untrustedHost = hostPort;
    m_untrustedCertificate = certificate;
    m_tlsDetails->setText(QStringLiteral("%1 presented a certificate this computer does not trust. Compare the "
                                         "fingerprint with the one on the server before trusting it.\n\n%2")
                              .arg(hostPort, ApiClient::describeCertificate(certificate)));
    m_tlsBox->show();
}

void LoginDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Ok)->setText(busy ? QStringLiteral("Signing in…") : QStringLiteral("&Sign in"));
}

void LoginDialog::rememberServer(const QString& url)
{
    QStringList recent = recentServers();
    recent.removeAll(url);
    recent.prepend(url);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    QSettings().setValue(kRecentKey, recent);
}

void LoginDialog::offerSavedPassword()
{
    if (!m_rememberCheck->isChecked() || !m_passwordEdit->text().isEmpty() || m_emailEdit->text().isEmpty())
        return;
    const Result<QUrl> url = ApiClient::parseServerUrl(serverUrl());
    if (!url)
        return;
    m_credentials->read(CredentialStore::keyFor(url->toString(), m_emailEdit->text()), this,
                        [this](const QString& password) {
                            if (m_passwordEdit->text().isEmpty())
                                m_passwordEdit->setText(password);
                        },
                        [this](const QString& reason) {
                            m_keyringLabel->setText(reason);
                            m_keyringLabel->show();
                        });
}

} // namespace authshield::console
