#include "tests/support/MailFile.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace authshield::test {

namespace {

// Splits "head\r\n\r\nbody" and parses the head into unfolded, lower-cased headers.
QMap<QByteArray, QByteArray> parseHead(const QByteArray& bytes, QByteArray* body)
{
    const qsizetype split = bytes.indexOf("\r\n\r\n");
    const QByteArray head = split < 0 ? bytes : bytes.left(split);
    if (body)
        *body = split < 0 ? QByteArray() : bytes.mid(split + 4);
    QMap<QByteArray, QByteArray> headers;
    QByteArray lastName;
    for (const QByteArray& line : head.split('\n')) {
        const QByteArray trimmedEnd = line.endsWith('\r') ? line.chopped(1) : line;
        if ((trimmedEnd.startsWith(' ') || trimmedEnd.startsWith('\t')) && !lastName.isEmpty()) {
            headers[lastName] += "\r\n" + trimmedEnd; // keep the fold; decodeHeader handles it
            continue;
        }
        const qsizetype colon = trimmedEnd.indexOf(':');
        if (colon <= 0)
            continue;
        lastName = trimmedEnd.left(colon).trimmed().toLower();
        headers[lastName] = trimmedEnd.mid(colon + 1).trimmed();
    }
    return headers;
}

QString decodePart(const QByteArray& body, const QByteArray& encoding)
{
    if (encoding.trimmed().toLower() == "base64")
        return QString::fromUtf8(QByteArray::fromBase64(body));
    if (encoding.trimmed().toLower() == "quoted-printable")
        return QString::fromUtf8(MailFile::decodeQuotedPrintable(body));
    return QString::fromUtf8(body);
}

} // namespace

QByteArray MailFile::decodeQuotedPrintable(const QByteArray& body)
{
    QByteArray out;
    for (qsizetype i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c != '=') {
            out += c;
            continue;
        }
        if (body.mid(i + 1, 2) == "\r\n") { // soft line break
            i += 2;
            continue;
        }
        bool ok = false;
        const int value = body.mid(i + 1, 2).toInt(&ok, 16);
        if (ok) {
            out += static_cast<char>(value);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

QString MailFile::decodeHeader(const QByteArray& value)
{
    static const QRegularExpression word(QStringLiteral("=\\?([^?]+)\\?([bBqQ])\\?([^?]*)\\?="));
    const QString text = QString::fromLatin1(value);
    QString out;
    qsizetype last = 0;
    bool previousWasEncoded = false;
    QRegularExpressionMatchIterator it = word.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const QString between = text.mid(last, match.capturedStart() - last);
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if (!(previousWasEncoded && between.trimmed().isEmpty()))
            out += QString(between).remove(QStringLiteral("\r\n"));
        const QByteArray payload = match.captured(3).toLatin1();
        QByteArray decoded;
        if (match.captured(2).toLower() == QStringLiteral("b"))
            decoded = QByteArray::fromBase64(payload);
        else
            decoded = decodeQuotedPrintable(QByteArray(payload).replace('_', ' '));
        out += QString::fromUtf8(decoded);
        last = match.capturedEnd();
        previousWasEncoded = true;
    }
    out += text.mid(last).remove(QStringLiteral("\r\n"));
    return out;
}

MailFile MailFile::parse(const QByteArray& bytes)
{
    MailFile mail;
    mail.raw = bytes;
    QByteArray body;
    const QMap<QByteArray, QByteArray> headers = parseHead(bytes, &body);
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        mail.headers.insert(it.key(), decodeHeader(it.value()));

    const QByteArray contentType = headers.value("content-type");
    static const QRegularExpression boundaryParam(QStringLiteral("boundary=\"?([^\";]+)\"?"));
    const QRegularExpressionMatch boundary = boundaryParam.match(QString::fromLatin1(contentType));
    if (!contentType.startsWith("multipart/") || !boundary.hasMatch()) {
        mail.text = decodePart(body, headers.value("content-transfer-encoding"));
        mail.textTransferEncoding = headers.value("content-transfer-encoding");
        return mail;
    }
    const QByteArray delimiter = "--" + boundary.captured(1).toLatin1();
    qsizetype position = body.indexOf(delimiter);
    while (position >= 0) {
        const qsizetype start = body.indexOf("\r\n", position) + 2;
        if (body.mid(position + delimiter.size(), 2) == "--" || start < 2)
            break;
        qsizetype next = body.indexOf("\r\n" + delimiter, start);
        if (next < 0)
            break;
        QByteArray partBody;
        const QMap<QByteArray, QByteArray> partHeaders = parseHead(body.mid(start, next - start), &partBody);
        const QByteArray type = partHeaders.value("content-type").toLower();
        const QByteArray encoding = partHeaders.value("content-transfer-encoding");
        if (type.startsWith("text/plain")) {
            mail.text = decodePart(partBody, encoding);
            mail.textTransferEncoding = encoding;
        } else if (type.startsWith("text/html")) {
            mail.html = decodePart(partBody, encoding);
            mail.htmlTransferEncoding = encoding;
        }
        position = next + 2;
    }
    return mail;
}

QString MailFile::linkToken(const QString& page) const
{
    const QRegularExpression link(QRegularExpression::escape(page) + QStringLiteral("\\?token=([A-Za-z0-9_-]+)"));
    const QRegularExpressionMatch match = link.match(text);
    return match.hasMatch() ? match.captured(1) : QString();
}

QList<MailFile> readMailDir(const QString& dataDir)
{
    QList<MailFile> mails;
    const QDir dir(QDir(dataDir).filePath(QStringLiteral("mail")));
    const QStringList names = dir.entryList({ QStringLiteral("*.eml") }, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        MailFile mail = MailFile::parse(file.readAll());
        mail.path = file.fileName();
        mails.append(std::move(mail));
    }
    return mails;
}

QList<MailFile> mailsTo(const QString& dataDir, const QString& address)
{
    QList<MailFile> matching;
    for (MailFile& mail : readMailDir(dataDir)) {
        if (mail.to().contains(address, Qt::CaseInsensitive))
            matching.append(std::move(mail));
    }
    return matching;
}

} // namespace authshield::test
