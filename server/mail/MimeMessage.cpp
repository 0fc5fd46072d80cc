#include "server/mail/MimeMessage.h"

#include <QLocale>
#include <QUuid>

namespace authshield::server {

namespace {

constexpr int kMaxQpLine = 76;
// 36 bytes → 48 base64 characters + 12 for "=?UTF-8?B??=": a word still fits a 78-character line after "Subject: ".
constexpr int kMaxEncodedWordBytes = 36;

bool isPlainAscii(const QString& text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

QByteArray rfc5322Date(const QDateTime& date)
{
    // English names whatever the locale; always UTC.
    return QLocale::c().toString(date.toUTC(), QStringLiteral("ddd, dd MMM yyyy HH:mm:ss")).toLatin1()
        + QByteArrayLiteral(" +0000");
}

QByteArray boundary()
{
    // "=_" never occurs in quoted-printable output, so the boundary cannot collide with a body.
    return QByteArrayLiteral("=_authshield_") + QUuid::createUuid().toRfc4122().toHex();
}

} // namespace

QByteArray MimeMessage::encodeHeaderText(const QString& text)
{
    const QString single = text.simplified(); // no CR/LF can reach a header
    if (isPlainAscii(single))
        return single.toLatin1();
    QByteArray out;
    const QList<uint> codePoints = single.toUcs4();
    QByteArray chunk;
    auto flush = [&] {
        if (chunk.isEmpty())
            return;
        if (!out.isEmpty())
            out += QByteArrayLiteral("\r\n "); // folded: each encoded word on its own line
        out += QByteArrayLiteral("=?UTF-8?B?") + chunk.toBase64() + QByteArrayLiteral("?=");
        chunk.clear();
    };
    for (const uint codePoint : codePoints) {
        const char32_t c32 = static_cast<char32_t>(codePoint);
        const QByteArray utf8 = QString::fromUcs4(&c32, 1).toUtf8();
        if (chunk.size() + utf8.size() > kMaxEncodedWordBytes) // never split a character across words
            flush();
        chunk += utf8;
    }
    flush();
    return out;
}

QString MimeMessage::address(const QString& mailbox)
{
    const qsizetype open = mailbox.lastIndexOf(u'<');
    const qsizetype close = mailbox.lastIndexOf(u'>');
    if (open >= 0 && close > open)
        return mailbox.mid(open + 1, close - open - 1).trimmed();
    return mailbox.trimmed();
}

QString MimeMessage::domainOf(const QString& mailbox)
{
    const QString addr = address(mailbox);
    const qsizetype at = addr.lastIndexOf(u'@');
    return at < 0 ? QStringLiteral("localhost") : addr.mid(at + 1);
}

QByteArray MimeMessage::encodeMailbox(const QString& mailbox)
{
    const QString addr = address(mailbox);
    const qsizetype open = mailbox.lastIndexOf(u'<');
    QString name = open > 0 ? mailbox.left(open).trimmed() : QString();
    if (name.size() >= 2 && name.startsWith(u'"') && name.endsWith(u'"'))
        name = name.mid(1, name.size() - 2);
    const QByteArray encodedAddress = addr.simplified().remove(u' ').toLatin1();
    if (name.isEmpty())
        return encodedAddress;
    QByteArray encodedName;
    if (isPlainAscii(name)) {
        static const QString specials = QStringLiteral("()<>[]:;@\\,.\"");
        bool needsQuotes = false;
        for (const QChar c : name)
            needsQuotes = needsQuotes || specials.contains(c);
        QString escaped = name;
        escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        encodedName = needsQuotes ? '"' + escaped.toLatin1() + '"' : escaped.toLatin1();
    } else {
        encodedName = encodeHeaderText(name) + QByteArrayLiteral("\r\n"); // folded: the words fill the line
    }
    return encodedName + QByteArrayLiteral(" <") + encodedAddress + '>';
}

QByteArray MimeMessage::quotedPrintable(const QString& text)
{
    QString normalised = text;
    normalised.replace(QStringLiteral("\r\n"), QStringLiteral("\n")).replace(u'\r', u'\n');
    const QList<QByteArray> lines = normalised.toUtf8().split('\n');
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(normalised.size() * 11 / 10 + 16);
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray& line = lines[i];
        QByteArray encodedLine;
        int column = 0;
        for (qsizetype j = 0; j < line.size(); ++j) {
            const auto byte = static_cast<unsigned char>(line[j]);
            const bool last = j == line.size() - 1;
            // Whitespace at a line end and a leading dot (SMTP transparency) are encoded too.
            const bool literal = (byte >= 33 && byte <= 126 && byte != '=' && !(byte == '.' && column == 0))
                || ((byte == ' ' || byte == '\t') && !last);
            QByteArray token;
            if (literal) {
                token = QByteArray(1, static_cast<char>(byte));
            } else {
                token = QByteArray(1, '=');
                token += hex[byte >> 4];
                token += hex[byte & 0x0f];
            }
            if (column + token.size() > kMaxQpLine - 1) { // room for the soft break's '='
                encodedLine += QByteArrayLiteral("=\r\n");
                column = 0;
                if (token == ".") // a dot that now starts a line
                    token = QByteArrayLiteral("=2E");
            }
            encodedLine += token;
            column += static_cast<int>(token.size());
        }
        out += encodedLine;
        if (i != lines.size() - 1)
            out += QByteArrayLiteral("\r\n");
    }
    return out;
}

QByteArray MimeMessage::build(const MailMessage& message, const Envelope& envelope)
{
    QByteArray out;
    out += QByteArrayLiteral("Date: ") + rfc5322Date(envelope.date) + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("Message-ID: <") + envelope.messageId.toLatin1() + QByteArrayLiteral(">\r\n");
    out += QByteArrayLiteral("From: ") + encodeMailbox(envelope.from) + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("To: ") + encodeMailbox(message.to) + QByteArrayLiteral("\r\n");
    if (!envelope.replyTo.isEmpty())
        out += QByteArrayLiteral("Reply-To: ") + encodeMailbox(envelope.replyTo) + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("Subject: ") + encodeHeaderText(message.subject) + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("MIME-Version: 1.0\r\n");
    out += QByteArrayLiteral("Auto-Submitted: auto-generated\r\n");
    if (!message.templateName.isEmpty())
        out += QByteArrayLiteral("X-AuthShield-Template: ") + message.templateName.toLatin1()
            + QByteArrayLiteral("\r\n");

    const QByteArray textPart = QByteArrayLiteral("Content-Type: text/plain; charset=UTF-8\r\n"
                                                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        + quotedPrintable(message.text) + QByteArrayLiteral("\r\n");
    if (message.html.isEmpty()) {
        out += textPart;
        return out;
    }
    const QByteArray separator = boundary();
    out += QByteArrayLiteral("Content-Type: multipart/alternative;\r\n boundary=\"") + separator
        + QByteArrayLiteral("\"\r\n\r\n");
    out += QByteArrayLiteral("This is a multi-part message in MIME format.\r\n");
    out += QByteArrayLiteral("--") + separator + QByteArrayLiteral("\r\n") + textPart;
    out += QByteArrayLiteral("--") + separator + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("Content-Type: text/html; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        + quotedPrintable(message.html) + QByteArrayLiteral("\r\n");
    out += QByteArrayLiteral("--") + separator + QByteArrayLiteral("--\r\n");
    return out;
}

} // namespace authshield::server
