#include "server/audit/AuditRetention.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Log.h"

namespace authshield::server {

AuditRetention::AuditRetention(const AuditLog& auditLog, const Clock& clock, int retentionDays, QObject* parent)
    : QObject(parent)
    , m_auditLog(auditLog)
    , m_clock(clock)
    , m_retentionDays(retentionDays)
    , m_timer(this)
{
}

void AuditRetention::start(std::chrono::milliseconds interval)
{
    if (m_retentionDays <= 0)
        return;
    connect(&m_timer, &QTimer::timeout, this, &AuditRetention::pruneNow);
    m_timer.start(interval);
    pruneNow();
}

void AuditRetention::pruneNow()
{
    const QDateTime cutoff = m_clock.now().addDays(-m_retentionDays);
    Result<AuditPruneReport> pruned = m_auditLog.prune(cutoff);
    if (!pruned) {
        Log::warning(QStringLiteral("audit"), QStringLiteral("audit retention prune failed"),
                     {{QStringLiteral("error"), pruned.error().message}});
        return;
    }
    if (pruned->deleted > 0)
        Log::info(QStringLiteral("audit"), QStringLiteral("audit events pruned"),
                  {{QStringLiteral("deleted"), pruned->deleted},
                   {QStringLiteral("from_seq"), pruned->fromSeq},
                   {QStringLiteral("to_seq"), pruned->toSeq},
                   {QStringLiteral("retention_days"), m_retentionDays}});
}

} // namespace authshield::server
