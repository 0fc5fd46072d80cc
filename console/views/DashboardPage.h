#pragma once

#include "console/views/ConsolePage.h"

#include <QJsonObject>
#include <QMap>

class QGridLayout;
class QLabel;
class QTableWidget;
class QTimer;

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
QT_END_NAMESPACE

namespace authshield::console {

// The site at a glance: users by status, active sessions, lockouts, mail outbox depth, login successes and
// failures per hour over the last 24 h (a chart), and /ready per dependency. Refreshes itself every
// autoRefreshInterval while visible; paused while hidden.
class DashboardPage : public ConsolePage
{
    Q_OBJECT

public:
    DashboardPage(ApiClient* api, QWidget* parent);

    QString title() const override { return QStringLiteral("Dashboard"); }
    void refresh() override;

    void setAutoRefreshInterval(int milliseconds);
    bool autoRefreshActive() const;
    // The figure shown for a stats path like "users.total" (as text); empty when unknown.
    QString shownValue(const QString& key) const;
    QLineSeries* succeededSeries() const { return m_succeeded; }
    QLineSeries* failedSeries() const { return m_failed; }

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void showStats(const QJsonObject& stats);
    QLabel* addFigure(const QString& key, const QString& caption, QWidget* parent, QGridLayout* grid, int row,
                      int column);

    QMap<QString, QLabel*> m_figures;
    QChartView* m_chartView = nullptr;
    QLineSeries* m_succeeded = nullptr;
    QLineSeries* m_failed = nullptr;
    QTableWidget* m_readinessTable = nullptr;
    QLabel* m_updatedLabel = nullptr;
    QTimer* m_timer = nullptr;
    bool m_loading = false;
};

} // namespace authshield::console
