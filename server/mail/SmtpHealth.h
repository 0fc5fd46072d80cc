#pragma once

#include "server/mail/SmtpDiagnostics.h"

#include <QDateTime>
#include <QMutex>
#include <QObject>

#include <optional>

namespace authshield::server {

class SmtpSettingsStore;

// The last SMTP connection check, for /ready: run in the background at startup and after every settings
// change. A failed check is a warning in /ready's detail, never a reason to be unready or to stop.
class SmtpHealth final : public QObject
{
    Q_OBJECT

public:
    SmtpHealth(SmtpSettingsStore& settings, QObject* parent);

    void start(); // first check now (in the background), again on every settings change
    void record(const SmtpDiagnosticReport& report); // a test-send counts as a check too
    // "not configured …", "ok …" or "warning: …"; thread-safe.
    QString summary() const;
    std::optional<SmtpDiagnosticReport> last() const;

Q_SIGNALS:
    void checked();

private:
    void check();

    SmtpSettingsStore& m_settings;
    mutable QMutex m_mutex;
    std::optional<SmtpDiagnosticReport> m_last;
    QDateTime m_checkedAt;
    bool m_running = false;
    bool m_again = false;
};

} // namespace authshield::server
