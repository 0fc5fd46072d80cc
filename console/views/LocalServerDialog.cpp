#include "console/views/LocalServerDialog.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/api/EmbeddedServer.h"

#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace authshield::console {

namespace {
const QString kDataDirKey = QStringLiteral("localServer/dataDir");
}

LocalServerDialog::LocalServerDialog(ApiClient* api, QWidget* parent)
    : QDialog(parent)
    , m_api(api)
    , m_server(new EmbeddedServer(this))
{
    setObjectName(QStringLiteral("localServerDialog"));
    setWindowTitle(QStringLiteral("Local server"));
    auto* layout = new QVBoxLayout(this);
    auto* hint = new QLabel(QStringLiteral("Runs an AuthShield server inside the console, on this computer only "
                                           "(127.0.0.1), with its database (SQLite) in the folder below."),
                            this);
    hint->setWordWrap(true);
    layout->addWidget(hint);

    auto* dirRow = new QHBoxLayout;
    m_dataDir = new QLineEdit(this);
    m_dataDir->setObjectName(QStringLiteral("dataDirEdit"));
    const QString defaultDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/local-server");
    m_dataDir->setText(QSettings().value(kDataDirKey, defaultDir).toString());
    auto* browse = new QPushButton(QStringLiteral("&Browse…"), this);
    m_startButton = new QPushButton(QStringLiteral("&Start"), this);
    m_startButton->setObjectName(QStringLiteral("startLocalServerButton"));
    m_stopButton = new QPushButton(QStringLiteral("S&top"), this);
    m_stopButton->setObjectName(QStringLiteral("stopLocalServerButton"));
    m_stopButton->setEnabled(false);
    dirRow->addWidget(new QLabel(QStringLiteral("Data folder:"), this));
    dirRow->addWidget(m_dataDir, 1);
    dirRow->addWidget(browse);
    dirRow->addWidget(m_startButton);
    dirRow->addWidget(m_stopButton);
    layout->addLayout(dirRow);

    m_statusLabel = new QLabel(QStringLiteral("Not running."), this);
    m_statusLabel->setObjectName(QStringLiteral("localServerStatusLabel"));
    m_statusLabel->setWordWrap(true);
    layout->addWidget(m_statusLabel);

    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("localServerLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000); // bounded memory however long it runs
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_log, 1);

    m_adminBox = new QGroupBox(QStringLiteral("First administrator"), this);
    auto* form = new QFormLayout(m_adminBox);
    m_email = new QLineEdit(m_adminBox);
    m_email->setObjectName(QStringLiteral("adminEmailEdit"));
    m_email->setPlaceholderText(QStringLiteral("admin@example.com"));
    m_password = new QLineEdit(m_adminBox);
    m_password->setObjectName(QStringLiteral("adminPasswordEdit"));
    m_password->setEchoMode(QLineEdit::Password);
    m_createButton = new QPushButton(QStringLiteral("&Create administrator and sign in"), m_adminBox);
    m_createButton->setObjectName(QStringLiteral("createAdminButton"));
    m_adminLabel = new QLabel(m_adminBox);
    m_adminLabel->setObjectName(QStringLiteral("createAdminLabel"));
    m_adminLabel->setWordWrap(true);
    form->addRow(QStringLiteral("&Email:"), m_email);
    form->addRow(QStringLiteral("&Password:"), m_password);
    form->addRow(QString(), m_createButton);
    form->addRow(QString(), m_adminLabel);
    m_adminBox->setEnabled(false);
    layout->addWidget(m_adminBox);
    resize(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 60, fontMetrics().height() * 36);

    connect(browse, &QPushButton::clicked, this, [this]() {
        const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Data folder"), m_dataDir->text());
        if (!dir.isEmpty())
            m_dataDir->setText(dir);
    });
    connect(m_startButton, &QPushButton::clicked, this, &LocalServerDialog::startServer);
    connect(m_stopButton, &QPushButton::clicked, this, &LocalServerDialog::stopServer);
    connect(m_createButton, &QPushButton::clicked, this, &LocalServerDialog::createAdminAndSignIn);
    connect(m_server, &EmbeddedServer::logLine, this, &LocalServerDialog::appendLog);
    connect(m_server, &EmbeddedServer::started, this, &LocalServerDialog::serverStarted);
    connect(m_server, &EmbeddedServer::failed, this, &LocalServerDialog::serverFailed);
}

void LocalServerDialog::setDataDir(const QString& path)
{
    m_dataDir->setText(path);
}

void LocalServerDialog::startServer()
{
    const QString dir = QDir::cleanPath(m_dataDir->text().trimmed());
    if (dir.isEmpty() || !QDir().mkpath(dir)) {
        m_statusLabel->setText(QStringLiteral("Choose a folder the console can write to."));
        return;
    }
    QSettings().setValue(kDataDirKey, dir);
    m_startButton->setEnabled(false);
    m_dataDir->setEnabled(false);
    m_statusLabel->setText(QStringLiteral("Starting: opening the database in %1…").arg(dir));
    m_server->start(dir);
}

void LocalServerDialog::serverStarted(quint16 port)
{
    Q_UNUSED(port);
    m_stopButton->setEnabled(true);
    m_adminBox->setEnabled(true);
    m_statusLabel->setText(QStringLiteral("Running at %1. Create the first administrator, or sign in with an "
                                          "existing one.").arg(m_server->url()));
    m_api->setServerUrl(QUrl(m_server->url()));
    Q_EMIT connected(m_server->url());
    m_email->setFocus();
}

void LocalServerDialog::serverFailed(const QString& reason)
{
    m_startButton->setEnabled(true);
    m_dataDir->setEnabled(true);
    m_statusLabel->setText(QStringLiteral("The local server did not start: %1").arg(reason));
}

void LocalServerDialog::appendLog(const QString& line)
{
    m_log->appendPlainText(line);
}

void LocalServerDialog::createAdminAndSignIn()
{
    const QString email = m_email->text().trimmed();
    const QString password = m_password->text();
    if (email.isEmpty() || password.isEmpty()) {
        m_adminLabel->setText(QStringLiteral("Enter an email and a password."));
        return;
    }
    m_createButton->setEnabled(false);
    m_adminLabel->setText(QStringLiteral("Creating %1…").arg(email));
    m_server->createAdmin(email, password, this, [this, email, password](const QString& problem) {
        if (!problem.isEmpty()) {
            m_createButton->setEnabled(true);
            m_adminLabel->setText(problem);
            return;
        }
        m_adminLabel->setText(QStringLiteral("Created %1; signing in…").arg(email));
        m_api->setServerUrl(QUrl(m_server->url()));
        m_api->login(email, password, this,
                     [this, email](const QString&) {
                         m_createButton->setEnabled(true);
                         m_password->clear();
                         m_adminLabel->setText(QStringLiteral("Signed in as %1.").arg(email));
                     },
                     [this](const ApiError& error) {
                         m_createButton->setEnabled(true);
                         m_adminLabel->setText(error.displayText());
                     });
    });
}

void LocalServerDialog::stopServer()
{
    if (!m_server->isRunning())
        return;
    m_server->stop();
    m_stopButton->setEnabled(false);
    m_startButton->setEnabled(true);
    m_dataDir->setEnabled(true);
    m_adminBox->setEnabled(false);
    m_statusLabel->setText(QStringLiteral("Stopped."));
}

} // namespace authshield::console
