#pragma once

#include <QObject>
#include <QTimer>

#include <chrono>

namespace authshield::server {

class AuditLog;
class Clock;

// Applies [audit] retention_days: prunes older events at start and then periodically. With several instances
// each prunes; the chain lock makes them take turns and the later ones find nothing left to do.
class AuditRetention final : public QObject
{
    Q_OBJECT

public:
    AuditRetention(const AuditLog& auditLog, const Clock& clock, int retentionDays, QObject* parent);
    void start(std::chrono::milliseconds interval = std::chrono::hours(1));
    void pruneNow();

private:
    const AuditLog& m_auditLog;
    const Clock& m_clock;
    const int m_retentionDays;
    QTimer m_timer;
};

} // namespace authshield::server
