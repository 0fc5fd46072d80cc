#pragma once

#include "server/mail/SmtpClient.h"
#include "server/mail/SmtpSettings.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

namespace authshield::server {

// The answer of a test-send: every step with its duration and the server's exact reply, the first failure's
// step and classification. Holds no password (SmtpClient never records one).
struct SmtpDiagnosticReport
{
    bool ok = false;
    QString host;
    int port = 0;
    QString security;
    QString recipient; // empty for a connection check without a mail
    QString failedStep;
    QString errorClass; // smtpErrorClassName(); "none" on success
    QString message;
    qint64 durationMs = 0;
    QList<SmtpStep> steps;

    const SmtpStep* step(const QString& name) const; // the last step of that name, or null
    // {"ok","host","port","security","to","failed_step","error_class","message","duration_ms","steps":[…]}
    QJsonObject toJson() const;
};

// SMTP test-send (the smtp_test template) or connection check, step by step.
class SmtpDiagnostics
{
public:
    // Blocks up to (steps × settings.timeout); for the CLI (installer `setup`), the slow-work pool and tests.
    // An empty recipient stops after AUTH (the startup check).
    static SmtpDiagnosticReport runBlocking(const SmtpSettings& settings, const QString& recipient);

    // Runs on a thread of its own and calls done on context's thread (dropped if context is gone by then).
    static void runAsync(const SmtpSettings& settings, const QString& recipient, QObject* context,
                         std::function<void(const SmtpDiagnosticReport&)> done);
};

} // namespace authshield::server
