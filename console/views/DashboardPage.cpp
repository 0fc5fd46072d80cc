#include "console/views/DashboardPage.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/views/ServerPage.h"
#include "shared/dto/Readiness.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QTableWidget>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>

namespace authshield::console {

namespace {

// "users.total" → stats["users"]["total"]
QJsonValue valueAt(const QJsonObject& root, const QString& key)
{
    const QStringList parts = key.split(QLatin1Char('.'));
    QJsonValue value = root;
    for (const QString& part : parts)
        value = value.toObject().value(part);
    return value;
}

} // namespace

DashboardPage::DashboardPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_timer(new QTimer(this))
{
    auto* layout = new QVBoxLayout(this);

    auto* figuresBox = new QGroupBox(QStringLiteral("At a glance"), this);
    auto* grid = new QGridLayout(figuresBox);
    addFigure(QStringLiteral("users.total"), QStringLiteral("Users"), figuresBox, grid, 0, 0);
    addFigure(QStringLiteral("users.active"), QStringLiteral("Active"), figuresBox, grid, 0, 1);
    addFigure(QStringLiteral("users.disabled"), QStringLiteral("Disabled"), figuresBox, grid, 0, 2);
    addFigure(QStringLiteral("users.locked"), QStringLiteral("Locked"), figuresBox, grid, 0, 3);
    addFigure(QStringLiteral("users.unverified"), QStringLiteral("Unverified"), figuresBox, grid, 0, 4);
    addFigure(QStringLiteral("sessions.active"), QStringLiteral("Active sessions"), figuresBox, grid, 2, 0);
    addFigure(QStringLiteral("lockouts_24h"), QStringLiteral("Lockouts (24 h)"), figuresBox, grid, 2, 1);
    addFigure(QStringLiteral("mail_outbox.pending"), QStringLiteral("Mail waiting"), figuresBox, grid, 2, 2);
    addFigure(QStringLiteral("mail_outbox.failed"), QStringLiteral("Mail failed"), figuresBox, grid, 2, 3);
    layout->addWidget(figuresBox);

    auto* chart = new QChart;
    chart->setTitle(QStringLiteral("Sign-ins over the last 24 hours"));
    m_succeeded = new QLineSeries(chart);
    m_succeeded->setName(QStringLiteral("Succeeded"));
    m_failed = new QLineSeries(chart);
    m_failed->setName(QStringLiteral("Failed"));
    chart->addSeries(m_succeeded);
    chart->addSeries(m_failed);
    auto* timeAxis = new QDateTimeAxis(chart);
    timeAxis->setFormat(QStringLiteral("HH:mm"));
    timeAxis->setTitleText(QStringLiteral("Hour"));
    auto* countAxis = new QValueAxis(chart);
    countAxis->setLabelFormat(QStringLiteral("%d"));
    countAxis->setTitleText(QStringLiteral("Sign-ins"));
    chart->addAxis(timeAxis, Qt::AlignBottom);
    chart->addAxis(countAxis, Qt::AlignLeft);
    for (QLineSeries* series : {m_succeeded, m_failed}) {
        series->attachAxis(timeAxis);
        series->attachAxis(countAxis);
    }
    m_failed->setColor(QColor(0xb3, 0x26, 0x1e));
    m_succeeded->setColor(QColor(0x1b, 0x7f, 0x3b));
    m_chartView = new QChartView(chart, this);
    m_chartView->setObjectName(QStringLiteral("loginChart"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    layout->addWidget(m_chartView, 2);

    auto* readinessBox = new QGroupBox(QStringLiteral("Dependencies (/ready)"), this);
    auto* readinessLayout = new QVBoxLayout(readinessBox);
    m_readinessTable = makeReadinessTable(readinessBox);
    m_readinessTable->setObjectName(QStringLiteral("dashboardReadinessTable"));
    readinessLayout->addWidget(m_readinessTable);
    layout->addWidget(readinessBox, 1);

    m_updatedLabel = new QLabel(this);
    m_updatedLabel->setObjectName(QStringLiteral("dashboardUpdatedLabel"));
    layout->addWidget(m_updatedLabel);

    m_timer->setInterval(30000);
    connect(m_timer, &QTimer::timeout, this, &DashboardPage::refresh);
    connect(api, &ApiClient::readinessLoaded, this,
            [this](const ReadinessReport& report) { fillReadinessTable(m_readinessTable, report); });
}

QLabel* DashboardPage::addFigure(const QString& key, const QString& caption, QWidget* parent, QGridLayout* grid,
                                 int row, int column)
{
    auto* value = new QLabel(QStringLiteral("–"), parent);
    value->setObjectName(QStringLiteral("stat_") + QString(key).replace(QLatin1Char('.'), QLatin1Char('_')));
    QFont big = value->font();
    big.setPointSizeF(big.pointSizeF() * 1.8);
    big.setBold(true);
    value->setFont(big);
    auto* label = new QLabel(caption, parent);
    grid->addWidget(value, row, column);
    grid->addWidget(label, row + 1, column);
    m_figures.insert(key, value);
    return value;
}

void DashboardPage::setAutoRefreshInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

bool DashboardPage::autoRefreshActive() const
{
    return m_timer->isActive();
}

QString DashboardPage::shownValue(const QString& key) const
{
    const QLabel* label = m_figures.value(key);
    return label ? label->text() : QString();
}

void DashboardPage::showEvent(QShowEvent* event)
{
    ConsolePage::showEvent(event);
    m_timer->start();
}

void DashboardPage::hideEvent(QHideEvent* event)
{
    ConsolePage::hideEvent(event);
    m_timer->stop(); // nobody is looking: no traffic
}

void DashboardPage::refresh()
{
    if (m_loading)
        return; // a slow server must not pile up requests from the timer
    m_loading = true;
    Q_EMIT busyChanged(true);
    api()->fetchReadiness();
    api()->send("GET", QStringLiteral("/api/v1/admin/stats"), {}, {}, this,
                [this](const QJsonDocument& body, int) {
                    m_loading = false;
                    Q_EMIT busyChanged(false);
                    showStats(body.object());
                },
                [this](const ApiError& error) {
                    m_loading = false;
                    Q_EMIT busyChanged(false);
                    Q_EMIT errorOccurred(error);
                });
}

void DashboardPage::showStats(const QJsonObject& stats)
{
    const QLocale locale;
    for (auto it = m_figures.cbegin(); it != m_figures.cend(); ++it) {
        const QJsonValue value = valueAt(stats, it.key());
        it.value()->setText(value.isDouble() ? locale.toString(value.toInteger()) : QStringLiteral("–"));
    }
    QList<QPointF> succeeded;
    QList<QPointF> failed;
    qint64 top = 1;
    qint64 first = std::numeric_limits<qint64>::max();
    qint64 last = 0;
    const QJsonArray hours = valueAt(stats, QStringLiteral("logins.hours")).toArray();
    for (const QJsonValue& entry : hours) {
        const QJsonObject hour = entry.toObject();
        // "hour" is an ISO-8601 time or epoch milliseconds; both are accepted.
        const QJsonValue at = hour.value(QStringLiteral("hour"));
        const qint64 ms = at.isString()
                              ? QDateTime::fromString(at.toString(), Qt::ISODate).toMSecsSinceEpoch()
                              : at.toInteger();
        const qint64 ok = hour.value(QStringLiteral("succeeded")).toInteger();
        const qint64 bad = hour.value(QStringLiteral("failed")).toInteger();
        succeeded.append(QPointF(static_cast<double>(ms), static_cast<double>(ok)));
        failed.append(QPointF(static_cast<double>(ms), static_cast<double>(bad)));
        top = std::max({top, ok, bad});
        first = std::min(first, ms);
        last = std::max(last, ms);
    }
    m_succeeded->replace(succeeded);
    m_failed->replace(failed);
    QChart* chart = m_chartView->chart();
    if (!hours.isEmpty()) {
        const auto axes = chart->axes(Qt::Horizontal);
        if (!axes.isEmpty())
            axes.first()->setRange(QDateTime::fromMSecsSinceEpoch(first), QDateTime::fromMSecsSinceEpoch(last));
    }
    const auto vertical = chart->axes(Qt::Vertical);
    if (!vertical.isEmpty())
        vertical.first()->setRange(0, static_cast<double>(top) * 1.1 + 1);
    m_updatedLabel->setText(QStringLiteral("Updated %1").arg(locale.toString(QTime::currentTime(), QLocale::ShortFormat)));
}

} // namespace authshield::console
