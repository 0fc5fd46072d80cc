#pragma once

#include "server/mail/MailMessage.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace authshield::server {

// Builds the RFC 5322 / MIME bytes of a mail: UTF-8 multipart/alternative (text, then HTML) with
// quoted-printable bodies, RFC 2047 encoded-words for non-ASCII header text, CRLF line ends. Shared by
// every transport (the .eml files of the embedded default, SMTP DATA).
class MimeMessage
{
public:
    struct Envelope
    {
        QString from; // "Name <addr@host>" or a bare address
        QString messageId; // without angle brackets: "<id>@<domain>"
        QDateTime date;
        QString replyTo; // optional
    };

    static QByteArray build(const MailMessage& message, const Envelope& envelope);

    // Header text: as is when printable ASCII, otherwise =?UTF-8?B?…?= words of at most 75 characters.
    static QByteArray encodeHeaderText(const QString& text);
    // "Name <addr>" with the name encoded when needed (quoted when it holds specials).
    static QByteArray encodeMailbox(const QString& mailbox);
    // RFC 2045 quoted-printable of UTF-8 text: lines normalised to CRLF, at most 76 characters per line.
    static QByteArray quotedPrintable(const QString& text);
    // The address inside "Name <addr>", or the input when there are no brackets.
    static QString address(const QString& mailbox);
    static QString domainOf(const QString& mailbox);
};

} // namespace authshield::server
