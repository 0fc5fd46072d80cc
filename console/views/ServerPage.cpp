#include "console/views/ServerPage.h"

#include "shared/dto/Readiness.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace authshield::console {

namespace {

enum Column { NameColumn, StatusColumn, LatencyColumn, BackendColumn, DetailColumn, ColumnCount };

QTableWidgetItem* readOnlyItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

} // namespace

QTableWidget* makeReadinessTable(QWidget* parent)
{
    auto* table = new QTableWidget(0, ColumnCount, parent);
    table->setHorizontalHeaderLabels({QStringLiteral("Dependency"), QStringLiteral("Status"), QStringLiteral("Latency"),
                                      QStringLiteral("Backend"), QStringLiteral("Detail")});
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(DetailColumn, QHeaderView::Stretch);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    return table;
}

QStringList fillReadinessTable(QTableWidget* table, const ReadinessReport& report)
{
    table->setRowCount(static_cast<int>(report.dependencies.size()));
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
        table->setItem(row, NameColumn, readOnlyItem(dependency.name));
        table->setItem(row, StatusColumn, status);
        table->setItem(row, LatencyColumn, readOnlyItem(locale.toString(dependency.latencyMs, 'f', 2) + QStringLiteral(" ms")));
        table->setItem(row, BackendColumn, readOnlyItem(dependency.backend));
        table->setItem(row, DetailColumn, readOnlyItem(dependency.detail));
    }
    return down;
}

ServerPage::ServerPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
{
    setObjectName(QStringLiteral("serverPage"));
    auto* layout = new QVBoxLayout(this);

    auto* serverRow = new QHBoxLayout;
    auto* urlLabel = new QLabel(QStringLiteral("&Server:"), this);
    m_urlEdit = new QLineEdit(this);
    m_urlEdit->setObjectName(QStringLiteral("serverUrlEdit"));
    m_urlEdit->setPlaceholderText(QStringLiteral("http://127.0.0.1:8080"));
    m_urlEdit->setClearButtonEnabled(true);
    urlLabel->setBuddy(m_urlEdit);
    auto* checkButton = new QPushButton(QStringLiteral("&Connect"), this);
    checkButton->setObjectName(QStringLiteral("connectButton"));
    checkButton->setToolTip(QStringLiteral("Check the server's readiness (F5)"));
    auto* signInButton = new QPushButton(QStringLiteral("Sign &in…"), this);
    signInButton->setObjectName(QStringLiteral("signInPageButton"));
    auto* localButton = new QPushButton(QStringLiteral("Start a &local server…"), this);
    localButton->setObjectName(QStringLiteral("localServerButton"));
    serverRow->addWidget(urlLabel);
    serverRow->addWidget(m_urlEdit, 1);
    serverRow->addWidget(checkButton);
    serverRow->addWidget(signInButton);
    serverRow->addWidget(localButton);
    layout->addLayout(serverRow);

    auto* readinessBox = new QGroupBox(QStringLiteral("Readiness"), this);
    auto* readinessLayout = new QVBoxLayout(readinessBox);
    m_summaryLabel = new QLabel(QStringLiteral("Not connected: enter the server's URL and press Connect."), readinessBox);
    m_summaryLabel->setObjectName(QStringLiteral("summaryLabel"));
    QFont summaryFont = m_summaryLabel->font();
    summaryFont.setBold(true);
    m_summaryLabel->setFont(summaryFont);
    m_dependencyTable = makeReadinessTable(readinessBox);
    m_dependencyTable->setObjectName(QStringLiteral("dependencyTable"));
    readinessLayout->addWidget(m_summaryLabel);
    readinessLayout->addWidget(m_dependencyTable, 1);
    layout->addWidget(readinessBox, 1);

    connect(checkButton, &QPushButton::clicked, this, &ServerPage::checkRequested);
    connect(m_urlEdit, &QLineEdit::returnPressed, this, &ServerPage::checkRequested);
    connect(signInButton, &QPushButton::clicked, this, &ServerPage::signInRequested);
    connect(localButton, &QPushButton::clicked, this, &ServerPage::localServerRequested);
}

QString ServerPage::urlText() const
{
    return m_urlEdit->text();
}

void ServerPage::setUrlText(const QString& text)
{
    m_urlEdit->setText(text);
}

void ServerPage::showReadiness(const ReadinessReport& report)
{
    const QStringList down = fillReadinessTable(m_dependencyTable, report);
    if (report.ready)
        m_summaryLabel->setText(QStringLiteral("Ready: every dependency is up."));
    else
        m_summaryLabel->setText(down.isEmpty() ? QStringLiteral("Not ready.")
                                               : QStringLiteral("Not ready: %1 down.").arg(down.join(QStringLiteral(", "))));
}

void ServerPage::showUnknown(const QString& summary)
{
    m_dependencyTable->setRowCount(0);
    m_summaryLabel->setText(summary);
}

} // namespace authshield::console
