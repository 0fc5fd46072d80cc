#include "console/views/MainWindow.h"

#include "console/api/ApiClient.h"
#include "console/api/CredentialStore.h"
#include "console/views/AuditPage.h"
#include "console/views/ConsolePage.h"
#include "console/views/DashboardPage.h"
#include "console/views/KeysPage.h"
#include "console/views/LocalServerDialog.h"
#include "console/views/LoginDialog.h"
#include "console/views/RolesPage.h"
#include "console/views/ServerPage.h"
#include "console/views/SessionsPage.h"
#include "console/views/SettingsPage.h"
#include "console/views/UsersPage.h"
#include "shared/dto/Readiness.h"

#include <QAction>
#include <QCloseEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

namespace authshield::console {

namespace {
const QString kServerUrlKey = QStringLiteral("connection/serverUrl");
const QString kDefaultServerUrl = QStringLiteral("http://127.0.0.1:8080");

QString pageGroup(const ConsolePage* page)
{
    return QStringLiteral("pages/") + page->title();
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_api(new ApiClient(this))
    , m_credentials(new CredentialStore(this))
{
    buildUi();
    addStandardPages();
    m_serverPage->setUrlText(QSettings().value(kServerUrlKey, kDefaultServerUrl).toString());

    connect(m_api, &ApiClient::readinessLoaded, this, &MainWindow::showReadiness);
    connect(m_api, &ApiClient::requestFailed, this, &MainWindow::readinessFailed);
    connect(m_api, &ApiClient::signedIn, this, &MainWindow::afterSignIn);
    connect(m_api, &ApiClient::signedOut, this, &MainWindow::updateStatusBar);
    connect(m_api, &ApiClient::sessionExpired, this, &MainWindow::sessionEnded);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    setState(State::Disconnected);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi()
{
    setWindowTitle(QStringLiteral("AuthShield Console"));
    resize(1100, 720); // a first-run size; restoreGeometry wins afterwards

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    // Non-modal: the screen stays usable while the error is on show.
    m_banner = new QFrame(central);
    m_banner->setObjectName(QStringLiteral("errorBanner"));
    m_banner->setStyleSheet(QStringLiteral("#errorBanner { background: #fdecea; border-bottom: 1px solid #f2b8b5; }"
                                           "#errorBanner QLabel { color: #8c1d18; }"));
    auto* bannerLayout = new QHBoxLayout(m_banner);
    m_errorLabel = new QLabel(m_banner);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse); // so the request id can be copied
    auto* dismiss = new QPushButton(QStringLiteral("Dismiss"), m_banner);
    dismiss->setObjectName(QStringLiteral("dismissErrorButton"));
    bannerLayout->addWidget(m_errorLabel, 1);
    bannerLayout->addWidget(dismiss, 0, Qt::AlignTop);
    m_banner->hide();
    connect(dismiss, &QPushButton::clicked, this, &MainWindow::hideBanner);
    layout->addWidget(m_banner);

    auto* splitter = new QSplitter(Qt::Horizontal, central);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_navigation = new QListWidget(splitter);
    m_navigation->setObjectName(QStringLiteral("navigationList"));
    m_navigation->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    m_stack = new QStackedWidget(splitter);
    m_stack->setObjectName(QStringLiteral("pageStack"));
    splitter->addWidget(m_navigation);
    splitter->addWidget(m_stack);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({fontMetrics().horizontalAdvance(QLatin1Char('M')) * 12, 1000});
    layout->addWidget(splitter, 1);
    setCentralWidget(central);
    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::pageChanged);

    m_serverLabel = new QLabel(this);
    m_serverLabel->setObjectName(QStringLiteral("statusServerLabel"));
    m_userLabel = new QLabel(this);
    m_userLabel->setObjectName(QStringLiteral("statusUserLabel"));
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("connectionStateLabel"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_serverLabel);
    statusBar()->addPermanentWidget(m_userLabel);

    QMenu* serverMenu = menuBar()->addMenu(QStringLiteral("&Server"));
    QAction* signIn = serverMenu->addAction(QStringLiteral("&Sign in…"));
    signIn->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(signIn, &QAction::triggered, this, [this]() { openLoginDialog(); });
    QAction* signOut = serverMenu->addAction(QStringLiteral("Sign &out"));
    connect(signOut, &QAction::triggered, m_api, &ApiClient::logout);
    QAction* local = serverMenu->addAction(QStringLiteral("Start a &local server…"));
    connect(local, &QAction::triggered, this, &MainWindow::openLocalServerDialog);
    serverMenu->addSeparator();
    QAction* quit = serverMenu->addAction(QStringLiteral("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* viewMenu = menuBar()->addMenu(QStringLiteral("&View"));
    QAction* refresh = viewMenu->addAction(QStringLiteral("&Refresh"));
    refresh->setObjectName(QStringLiteral("refreshAction"));
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, this, [this]() {
        if (ConsolePage* page = currentPage())
            page->refresh();
    });
    QAction* find = viewMenu->addAction(QStringLiteral("&Find"));
    find->setObjectName(QStringLiteral("findAction"));
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this]() {
        if (ConsolePage* page = currentPage())
            page->focusSearch();
    });
}

void MainWindow::addStandardPages()
{
    m_serverPage = new ServerPage(m_api, this);
    connect(m_serverPage, &ServerPage::checkRequested, this, &MainWindow::connectToServer);
    connect(m_serverPage, &ServerPage::signInRequested, this, [this]() { openLoginDialog(); });
    connect(m_serverPage, &ServerPage::localServerRequested, this, &MainWindow::openLocalServerDialog);
    addPage(m_serverPage);
    addPage(new DashboardPage(m_api, this));
    addPage(new UsersPage(m_api, this));
    addPage(new RolesPage(m_api, this));
    addPage(new SessionsPage(m_api, this));
    addPage(new AuditPage(m_api, this));
    addPage(new SettingsPage(m_api, this));
    addPage(new KeysPage(m_api, this));
}

void MainWindow::addPage(ConsolePage* page)
{
    if (page->objectName().isEmpty())
        page->setObjectName(page->title().toLower().remove(QLatin1Char(' ')) + QStringLiteral("Page"));
    m_pages.append(page);
    m_stack->addWidget(page);
    m_navigation->addItem(page->title());
    if (page != m_serverPage)
        m_stale.insert(page);
    QSettings settings;
    settings.beginGroup(pageGroup(page));
    page->restoreState(settings);
    settings.endGroup();
    connect(page, &ConsolePage::errorOccurred, this, &MainWindow::showError);
    connect(page, &ConsolePage::statusMessage, this, [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(page, &ConsolePage::busyChanged, this, [this, page](bool busy) {
        if (page == currentPage())
            m_stack->setCursor(busy ? Qt::BusyCursor : Qt::ArrowCursor);
    });
    if (m_navigation->currentRow() < 0)
        m_navigation->setCurrentRow(0);
}

ConsolePage* MainWindow::currentPage() const
{
    return qobject_cast<ConsolePage*>(m_stack->currentWidget());
}

bool MainWindow::showPage(const QString& title)
{
    for (int i = 0; i < m_pages.size(); ++i) {
        if (m_pages.at(i)->title() == title) {
            m_navigation->setCurrentRow(i);
            return true;
        }
    }
    return false;
}

void MainWindow::pageChanged(int row)
{
    if (row < 0 || row >= m_pages.size())
        return;
    ConsolePage* page = m_pages.at(row);
    m_stack->setCurrentWidget(page);
    if (m_api->isSignedIn() && m_stale.remove(page))
        page->refresh();
}

void MainWindow::setServerUrlText(const QString& text)
{
    m_serverPage->setUrlText(text);
}

void MainWindow::connectToServer()
{
    const Result<QUrl> url = ApiClient::parseServerUrl(m_serverPage->urlText());
    if (!url.ok()) {
        m_serverPage->showUnknown(QStringLiteral("Not connected"));
        showBanner(url.error().message);
        setState(State::Disconnected);
        return;
    }
    m_serverPage->setUrlText(url->toString());
    QSettings().setValue(kServerUrlKey, url->toString());
    m_api->setServerUrl(url.value());
    updateStatusBar();
    setState(State::Connecting);
    m_api->fetchReadiness();
}

void MainWindow::openLoginDialog(const QString& message)
{
    if (!m_loginDialog) {
        m_loginDialog = new LoginDialog(m_api, m_credentials, this);
        connect(m_loginDialog, &LoginDialog::notice, this, [this](const QString& text) {
            statusBar()->showMessage(text, 15000);
        });
    }
    const QString url = m_api->serverUrl().isEmpty() ? m_serverPage->urlText() : m_api->serverUrl().toString();
    m_loginDialog->setServerUrl(url);
    if (!m_api->signedInEmail().isEmpty())
        m_loginDialog->setEmail(m_api->signedInEmail());
    m_loginDialog->setServerLocked(!message.isEmpty() && !m_api->serverUrl().isEmpty());
    m_loginDialog->setMessage(message);
    m_loginDialog->show();
    m_loginDialog->raise();
    m_loginDialog->activateWindow();
}

void MainWindow::openLocalServerDialog()
{
    if (!m_localServerDialog) {
        m_localServerDialog = new LocalServerDialog(m_api, this);
        connect(m_localServerDialog, &LocalServerDialog::connected, this, [this](const QString& url) {
            m_serverPage->setUrlText(url);
            updateStatusBar();
            m_api->fetchReadiness();
        });
    }
    m_localServerDialog->show();
    m_localServerDialog->raise();
}

void MainWindow::afterSignIn()
{
    m_accountEmail.clear();
    hideBanner();
    m_serverPage->setUrlText(m_api->serverUrl().toString());
    QSettings().setValue(kServerUrlKey, m_api->serverUrl().toString());
    updateStatusBar();
    // Every page shows this server's data now; the one on screen refreshes at once, the others when shown.
    for (ConsolePage* page : std::as_const(m_pages)) {
        if (page != m_serverPage)
            m_stale.insert(page);
    }
    if (ConsolePage* page = currentPage(); page && m_stale.remove(page))
        page->refresh();
    m_api->fetchReadiness();
    // The account as the server spells it (the typed email may differ in case).
    m_api->send("GET", QStringLiteral("/api/v1/users/me"), {}, {}, this,
                [this](const QJsonDocument& body, int) {
                    const QString email = body.object().value(QStringLiteral("email")).toString();
                    if (!email.isEmpty() && m_api->isSignedIn()) {
                        m_accountEmail = email;
                        updateStatusBar();
                    }
                },
                [](const ApiError&) {}); // the label keeps the typed email
}

void MainWindow::sessionEnded(const ApiError& error)
{
    updateStatusBar();
    showError(error);
    // The screen stays as it is; after signing in again it refreshes in place.
    openLoginDialog(QStringLiteral("Your session has ended. Sign in again to continue where you were."));
}

void MainWindow::showReadiness(const ReadinessReport& report)
{
    hideBanner();
    m_serverPage->showReadiness(report);
    setState(report.ready ? State::Ready : State::NotReady);
}

void MainWindow::readinessFailed(const ApiError& error)
{
    // Old rows would look current; the server's state is unknown now.
    m_serverPage->showUnknown(QStringLiteral("Unknown: no readiness answer."));
    showBanner(error.displayText());
    const bool answered = error.kind == ApiError::Kind::Server || error.kind == ApiError::Kind::Protocol;
    setState(answered ? State::Refused : State::Unreachable);
}

void MainWindow::showError(const ApiError& error)
{
    showBanner(error.endpoint.isEmpty() ? error.displayText()
                                        : QStringLiteral("%1 failed: %2").arg(error.endpoint, error.displayText()));
}

void MainWindow::showBanner(const QString& text)
{
    m_errorLabel->setText(text);
    m_banner->show();
}

void MainWindow::hideBanner()
{
    m_banner->hide();
}

void MainWindow::setState(State state)
{
    m_state = state;
    const QString url = m_api->serverUrl().toString();
    switch (state) {
    case State::Disconnected: m_stateLabel->setText(QStringLiteral("Not connected")); break;
    case State::Connecting: m_stateLabel->setText(QStringLiteral("Connecting to %1…").arg(url)); break;
    case State::Ready: m_stateLabel->setText(QStringLiteral("Connected to %1: ready").arg(url)); break;
    case State::NotReady: m_stateLabel->setText(QStringLiteral("Connected to %1: not ready").arg(url)); break;
    case State::Unreachable: m_stateLabel->setText(QStringLiteral("Cannot reach %1").arg(url)); break;
    case State::Refused: m_stateLabel->setText(QStringLiteral("%1 answered with an error").arg(url)); break;
    }
    updateStatusBar();
}

void MainWindow::updateStatusBar()
{
    const QString url = m_api->serverUrl().toString();
    m_serverLabel->setText(url.isEmpty() ? QStringLiteral("No server") : url);
    const QString email = m_accountEmail.isEmpty() ? m_api->signedInEmail() : m_accountEmail;
    m_userLabel->setText(m_api->isSignedIn() ? QStringLiteral("Signed in as %1").arg(email)
                                             : QStringLiteral("Not signed in"));
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    for (const ConsolePage* page : m_pages) {
        settings.beginGroup(pageGroup(page));
        page->saveState(settings);
        settings.endGroup();
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveLayout();
    if (m_localServerDialog)
        m_localServerDialog->stopServer(); // before the window's objects go: its threads use the ApiClient's peer
    QMainWindow::closeEvent(event);
}

} // namespace authshield::console
