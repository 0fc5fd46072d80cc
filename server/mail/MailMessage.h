#pragma once

#include <QString>

namespace authshield::server {

// One outgoing mail as stored in the outbox: a plain-text part and, optionally, an HTML alternative.
struct MailMessage
{
    QString to; // bare address
    QString subject;
    QString text;
    QString html;
    QString templateName; // which template produced it (diagnostics, tests); empty for ad-hoc mail
};

} // namespace authshield::server
