#pragma once

#include "console/views/ConsolePage.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace authshield {
struct ReadinessReport;
}

namespace authshield::console {

// The landing screen: which server, is it ready (every dependency with latency), and the ways in — sign in, or
// start a local server. Works before signing in: /ready needs no token.
class ServerPage : public ConsolePage
{
    Q_OBJECT

public:
    ServerPage(ApiClient* api, QWidget* parent);

    QString title() const override { return QStringLiteral("Server"); }
    void refresh() override { Q_EMIT checkRequested(); }

    QString urlText() const;
    void setUrlText(const QString& text);
    void showReadiness(const authshield::ReadinessReport& report);
    void showUnknown(const QString& summary);

Q_SIGNALS:
    void checkRequested();
    void signInRequested();
    void localServerRequested();

private:
    QLineEdit* m_urlEdit = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QTableWidget* m_dependencyTable = nullptr;
};

// Fills a readiness table (shared by the Server and Dashboard pages). Returns the names of dependencies down.
QStringList fillReadinessTable(QTableWidget* table, const authshield::ReadinessReport& report);
QTableWidget* makeReadinessTable(QWidget* parent);

} // namespace authshield::console
