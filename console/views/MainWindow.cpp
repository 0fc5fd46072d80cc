#include "console/views/MainWindow.h"

#include "console/api/ApiClient.h"

#include <QAction>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace authshield::console {

namespace {

const QString kServerUrlKey = QStringLiteral("connection/serverUrl");
const QString kDefaultServerUrl = QStringLiteral("http://127.0.0.1:8080");

enum Column { NameColumn, StatusColumn, LatencyColumn, BackendColumn, DetailColumn, ColumnCount };

QTableWidgetItem* readOnlyItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_api(new ApiClient(this))
{
    buildUi();
    m_urlEdit->setText(QSettings().value(kServerUrlKey, kDefaultServerUrl).toString());

    connect(m_connectButton, &QPushButton::clicked, this, &MainWindow::connectToServer);
    connect(m_urlEdit, &QLineEdit::returnPressed, this, &MainWindow::connectToServer);
    connect(m_api, &ApiClient::readinessLoaded, this, &MainWindow::showReadiness);
    connect(m_api, &ApiClient::requestFailed, this, &MainWindow::showError);
    setState(State::Disconnected);
}

void MainWindow::buildUi()
{
    setWindowTitle(QStringLiteral("AuthShield Console"));
    setMinimumSize(640, 400);
    resize(820, 480);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(12, 12, 12, 12);
    layout->setSpacing(10);

    auto* serverRow = new QHBoxLayout;
    serverRow->setSpacing(8);
    auto* urlLabel = new QLabel(QStringLiteral("&Server:"), central);
    m_urlEdit = new QLineEdit(central);
    m_urlEdit->setObjectName(QStringLiteral("serverUrlEdit"));
    m_urlEdit->setPlaceholderText(kDefaultServerUrl);
    m_urlEdit->setClearButtonEnabled(true);
    urlLabel->setBuddy(m_urlEdit);
    m_connectButton = new QPushButton(QStringLiteral("&Connect"), central);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_connectButton->setDefault(true);
    serverRow->addWidget(urlLabel);
    serverRow->addWidget(m_urlEdit, 1);
    serverRow->addWidget(m_connectButton);
    layout->addLayout(serverRow);

    auto* readinessBox = new QGroupBox(QStringLiteral("Readiness"), central);
    auto* readinessLayout = new QVBoxLayout(readinessBox);
    readinessLayout->setSpacing(8);
    m_summaryLabel = new QLabel(readinessBox);
    m_summaryLabel->setObjectName(QStringLiteral("summaryLabel"));
    QFont summaryFont = m_summaryLabel->font();
    summaryFont.setBold(true);
    m_summaryLabel->setFont(summaryFont);
    m_dependencyTable = new QTableWidget(0, ColumnCount, readinessBox);
    m_dependencyTable->setObjectName(QStringLiteral("dependencyTable"));
    m_dependencyTable->setHorizontalHeaderLabels({QStringLiteral("Dependency"), QStringLiteral("Status"),
                                                  QStringLiteral("Latency"), QStringLiteral("Backend"),
                                                  QStringLiteral("Detail")});
    m_dependencyTable->verticalHeader()->hide();
    m_dependencyTable->horizontalHeader()->setStretchLastSection(true);
    m_dependencyTable->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_dependencyTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_dependencyTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_dependencyTable->setAlternatingRowColors(true);
    m_dependencyTable->setShowGrid(false);
    m_dependencyTable->setColumnWidth(NameColumn, 140);
    m_dependencyTable->setColumnWidth(StatusColumn, 80);
    m_dependencyTable->setColumnWidth(LatencyColumn, 100);
    m_dependencyTable->setColumnWidth(BackendColumn, 120);
    readinessLayout->addWidget(m_summaryLabel);
    readinessLayout->addWidget(m_dependencyTable, 1);
    layout->addWidget(readinessBox, 1);

    m_errorLabel = new QLabel(central);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse); // so the request id can be copied
    m_errorLabel->setStyleSheet(QStringLiteral("QLabel { color: #8c1d18; background: #fdecea; border: 1px solid "
                                               "#f2b8b5; border-radius: 4px; padding: 8px; }"));
    m_errorLabel->hide();
    layout->addWidget(m_errorLabel);
    setCentralWidget(central);

    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("connectionStateLabel"));
    m_stateLabel->setContentsMargins(6, 0, 6, 0);
    statusBar()->addWidget(m_stateLabel, 1);

    QMenu* serverMenu = menuBar()->addMenu(QStringLiteral("&Server"));
    QAction* recheck = serverMenu->addAction(QStringLiteral("&Re-check readiness"));
    recheck->setShortcut(QKeySequence::Refresh);
    connect(recheck, &QAction::triggered, this, &MainWindow::connectToServer);
    serverMenu->addSeparator();
    QAction* quit = serverMenu->addAction(QStringLiteral("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::setServerUrlText(const QString& text)
{
    m_urlEdit->setText(text);
}

void MainWindow::connectToServer()
{
    const Result<QUrl> url = ApiClient::parseServerUrl(m_urlEdit->text());
    if (!url.ok()) {
        m_dependencyTable->setRowCount(0);
        m_summaryLabel->setText(QStringLiteral("Not connected"));
        showMessage(url.error().message);
        setState(State::Disconnected);
        return;
    }
    m_urlEdit->setText(url->toString());
    QSettings().setValue(kServerUrlKey, url->toString());
    m_api->setServerUrl(url.value());
    setState(State::Connecting);
    m_api->fetchReadiness();
}

void MainWindow::showReadiness(const ReadinessReport& report)
{
    m_errorLabel->hide();
    m_dependencyTable->setRowCount(static_cast<int>(report.dependencies.size()));
    QStringList down;
    const QLocale locale;
    for (int row = 0; row < report.dependencies.size(); ++row) {
        const DependencyReadiness& dependency = report.dependencies.at(row);
        if (!dependency.up)
            down.append(dependency.name);
        auto* status = readOnlyItem(dependency.up ? QStringLiteral("Up") : QStringLiteral("Down"));
        status->setForeground(dependency.up ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xb3, 0x26, 0x1e));
        QFont bold = status->font();
        bold.setBold(true);
        status->setFont(bold);
        m_dependencyTable->setItem(row, NameColumn, readOnlyItem(dependency.name));
        m_dependencyTable->setItem(row, StatusColumn, status);
        m_dependencyTable->setItem(row, LatencyColumn,
                                   readOnlyItem(locale.toString(dependency.latencyMs, 'f', 2) + QStringLiteral(" ms")));
        m_dependencyTable->setItem(row, BackendColumn, readOnlyItem(dependency.backend));
        m_dependencyTable->setItem(row, DetailColumn, readOnlyItem(dependency.detail));
    }
    if (report.ready) {
        m_summaryLabel->setText(QStringLiteral("Ready: every dependency is up."));
        setState(State::Ready);
    } else {
        m_summaryLabel->setText(down.isEmpty() ? QStringLiteral("Not ready.")
                                               : QStringLiteral("Not ready: %1 down.").arg(down.join(QStringLiteral(", "))));
        setState(State::NotReady);
    }
}

void MainWindow::showError(const ApiError& error)
{
    // Old rows would look current; the server's state is unknown now.
    m_dependencyTable->setRowCount(0);
    m_summaryLabel->setText(QStringLiteral("Unknown: no readiness answer."));
    showMessage(error.displayText());
    const bool answered = error.kind == ApiError::Kind::Server || error.kind == ApiError::Kind::Protocol;
    setState(answered ? State::Refused : State::Unreachable);
}

void MainWindow::showMessage(const QString& text)
{
    m_errorLabel->setText(text);
    m_errorLabel->show();
}

void MainWindow::setState(State state)
{
    const QString url = m_api->serverUrl().toString();
    switch (state) {
    case State::Disconnected:
        m_stateLabel->setText(QStringLiteral("Not connected"));
        if (m_summaryLabel->text().isEmpty())
            m_summaryLabel->setText(QStringLiteral("Not connected: enter the server's URL and press Connect."));
        break;
    case State::Connecting: m_stateLabel->setText(QStringLiteral("Connecting to %1…").arg(url)); break;
    case State::Ready: m_stateLabel->setText(QStringLiteral("Connected to %1: ready").arg(url)); break;
    case State::NotReady: m_stateLabel->setText(QStringLiteral("Connected to %1: not ready").arg(url)); break;
    case State::Unreachable: m_stateLabel->setText(QStringLiteral("Cannot reach %1").arg(url)); break;
    case State::Refused: m_stateLabel->setText(QStringLiteral("%1 answered with an error").arg(url)); break;
    }
}

} // namespace authshield::console
