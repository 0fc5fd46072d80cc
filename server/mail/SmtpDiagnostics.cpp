#include "server/mail/SmtpDiagnostics.h"

#include "server/mail/MailTemplates.h"
#include "server/mail/SmtpTransport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QPointer>
#include <QThread>
#include <QUuid>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

const SmtpStep* SmtpDiagnosticReport::step(const QString& name) const
{
    for (qsizetype i = steps.size() - 1; i >= 0; --i)
        if (steps.at(i).name == name)
            return &steps.at(i);
    return nullptr;
}

QJsonObject SmtpDiagnosticReport::toJson() const
{
    QJsonArray stepList;
    for (const SmtpStep& s : steps)
        stepList.append(s.toJson());
    QJsonObject json{{u"ok"_s, ok},
                     {u"host"_s, host},
                     {u"port"_s, port},
                     {u"security"_s, security},
                     {u"error_class"_s, errorClass},
                     {u"duration_ms"_s, durationMs},
                     {u"steps"_s, stepList}};
    if (!recipient.isEmpty())
        json.insert(u"to"_s, recipient);
    if (!ok) {
        json.insert(u"failed_step"_s, failedStep);
        json.insert(u"message"_s, message);
    }
    return json;
}

SmtpDiagnosticReport SmtpDiagnostics::runBlocking(const SmtpSettings& settings, const QString& recipient)
{
    SmtpDiagnosticReport report;
    report.host = settings.host;
    report.port = settings.effectivePort();
    report.security = smtpSecurityName(settings.security);
    report.recipient = recipient;
    QElapsedTimer timer;
    timer.start();

    SmtpOutcome outcome;
    if (recipient.isEmpty()) {
        outcome = SmtpClient(settings).check();
    } else {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        Result<MailMessage> message = MailTemplates::render(
            u"smtp_test"_s, recipient,
            {{u"host"_s, settings.host},
             {u"port"_s, QString::number(settings.effectivePort())},
             {u"security"_s, smtpSecurityName(settings.security)},
             {u"sent_at"_s, now.toString(Qt::ISODate)}});
        if (!message) {
            report.errorClass = smtpErrorClassName(SmtpErrorClass::Permanent);
            report.failedStep = u"template"_s;
            report.message = message.error().message;
            return report;
        }
        OutgoingMail mail;
        mail.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        mail.createdAt = now;
        mail.message = *message;
        outcome = SmtpClient(settings).send(settings.fromAddress, recipient, SmtpTransport::build(mail, settings));
    }
    report.ok = outcome.ok;
    report.errorClass = smtpErrorClassName(outcome.errorClass);
    report.failedStep = outcome.failedStep;
    report.message = outcome.message;
    report.steps = outcome.steps;
    report.durationMs = timer.elapsed();
    return report;
}

void SmtpDiagnostics::runAsync(const SmtpSettings& settings, const QString& recipient, QObject* context,
                               std::function<void(const SmtpDiagnosticReport&)> done)
{
    QPointer<QObject> target(context);
    QThread* thread = QThread::create([settings, recipient, target, done = std::move(done)] {
        const SmtpDiagnosticReport report = runBlocking(settings, recipient);
        if (target)
            QMetaObject::invokeMethod(
                target.data(), [report, done] { done(report); }, Qt::QueuedConnection);
    });
    thread->setObjectName(u"smtp-diagnostic"_s);
    QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
}

} // namespace authshield::server
