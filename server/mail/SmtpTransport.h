#pragma once

#include "server/mail/MailTransport.h"
#include "server/mail/SmtpSettings.h"

#include <functional>

namespace authshield::server {

// Delivers over SMTP with the settings in force at each delivery (a change through the admin API applies to
// the next mail, no restart), or hands the mail to the fallback (the .eml files) while no SMTP host is set.
// Temporary failures (everything but a rejected recipient or a 5xx to MAIL/DATA) come back as
// ServiceUnavailable so the outbox retries them; permanent ones as ValidationFailed.
class SmtpTransport final : public MailTransport
{
public:
    using SettingsProvider = std::function<SmtpSettings()>;

    SmtpTransport(SettingsProvider settings, MailTransport& fallback);

    Result<void> deliver(const OutgoingMail& mail) override;
    QString name() const override; // "smtp" while a host is set, else the fallback's name

    // The RFC 5322 bytes as this transport would send them (tests, the diagnostic).
    static QByteArray build(const OutgoingMail& mail, const SmtpSettings& settings);

private:
    SettingsProvider m_settings;
    MailTransport& m_fallback;
};

} // namespace authshield::server
