#include "server/mail/SmtpTransport.h"

#include "server/mail/MimeMessage.h"
#include "server/mail/SmtpClient.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

SmtpTransport::SmtpTransport(SettingsProvider settings, MailTransport& fallback)
    : m_settings(std::move(settings))
    , m_fallback(fallback)
{
}

QString SmtpTransport::name() const
{
    return m_settings().isConfigured() ? u"smtp"_s : m_fallback.name();
}

QByteArray SmtpTransport::build(const OutgoingMail& mail, const SmtpSettings& settings)
{
    MimeMessage::Envelope envelope;
    envelope.from = settings.fromMailbox();
    envelope.replyTo = settings.replyTo;
    envelope.messageId = mail.id + u'@' + MimeMessage::domainOf(settings.fromAddress);
    envelope.date = mail.createdAt;
    return MimeMessage::build(mail.message, envelope);
}

Result<void> SmtpTransport::deliver(const OutgoingMail& mail)
{
    const SmtpSettings settings = m_settings();
    if (!settings.isConfigured())
        return m_fallback.deliver(mail);
    const SmtpOutcome outcome
        = SmtpClient(settings).send(settings.fromAddress, MimeMessage::address(mail.message.to), build(mail, settings));
    if (outcome.ok)
        return success();
    const SmtpStep* failed = outcome.steps.isEmpty() ? nullptr : &outcome.steps.last();
    QString message = u"smtp %1 (%2)"_s.arg(smtpErrorClassName(outcome.errorClass), outcome.message);
    if (failed && !failed->reply.isEmpty())
        message += u": "_s + failed->reply;
    return Error::make(outcome.isTemporary() ? ErrorCode::ServiceUnavailable : ErrorCode::ValidationFailed, message);
}

} // namespace authshield::server
