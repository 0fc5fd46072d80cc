#include "server/mail/SmtpHealth.h"

#include "server/core/Log.h"
#include "server/mail/SmtpSettings.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

SmtpHealth::SmtpHealth(SmtpSettingsStore& settings, QObject* parent)
    : QObject(parent)
    , m_settings(settings)
{
}

void SmtpHealth::start()
{
    connect(&m_settings, &SmtpSettingsStore::settingsChanged, this, &SmtpHealth::check);
    check();
}

void SmtpHealth::check()
{
    const SmtpSettings settings = m_settings.current();
    {
        QMutexLocker locker(&m_mutex);
        if (!settings.isConfigured()) {
            m_last.reset();
            return;
        }
        if (m_running) { // one check at a time; a change meanwhile asks for one more afterwards
            m_again = true;
            return;
        }
        m_running = true;
    }
    SmtpDiagnostics::runAsync(settings, {}, this, [this](const SmtpDiagnosticReport& report) {
        record(report);
        bool again = false;
        {
            QMutexLocker locker(&m_mutex);
            m_running = false;
            again = std::exchange(m_again, false);
        }
        if (!report.ok)
            Log::warning(u"mail"_s, u"SMTP check failed; mail stays queued and is retried"_s,
                         {{u"step"_s, report.failedStep},
                          {u"error_class"_s, report.errorClass},
                          {u"error"_s, report.message}});
        else
            Log::info(u"mail"_s, u"SMTP check passed"_s, {{u"host"_s, report.host}, {u"port"_s, report.port}});
        if (again)
            check();
        Q_EMIT checked();
    });
}

void SmtpHealth::record(const SmtpDiagnosticReport& report)
{
    QMutexLocker locker(&m_mutex);
    m_last = report;
    m_checkedAt = QDateTime::currentDateTimeUtc();
}

std::optional<SmtpDiagnosticReport> SmtpHealth::last() const
{
    QMutexLocker locker(&m_mutex);
    return m_last;
}

QString SmtpHealth::summary() const
{
    const SmtpSettings settings = m_settings.current();
    if (!settings.isConfigured())
        return u"not configured; mail is written to .eml files"_s;
    QMutexLocker locker(&m_mutex);
    const QString target = u"%1:%2"_s.arg(settings.host).arg(settings.effectivePort());
    if (!m_last)
        return u"check pending for "_s + target;
    const QString when = m_checkedAt.toString(Qt::ISODate);
    if (m_last->ok)
        return u"ok: %1 answered at %2 (%3 ms)"_s.arg(target, when).arg(m_last->durationMs);
    return u"warning: last check at %1 failed at step %2 (%3): %4"_s.arg(when, m_last->failedStep, m_last->errorClass,
                                                                        m_last->message);
}

} // namespace authshield::server
