#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

namespace authshield::test {

// One .eml file read back the way a mail client would: unfolded, RFC 2047-decoded headers and the decoded
// text and HTML parts of a multipart/alternative body.
struct MailFile
{
    QString path;
    QByteArray raw;
    QMap<QByteArray, QString> headers; // lower-cased names, decoded values
    QString text;
    QString html;
    QByteArray textTransferEncoding;
    QByteArray htmlTransferEncoding;

    QString header(const QByteArray& lowerCaseName) const { return headers.value(lowerCaseName); }
    QString subject() const { return header("subject"); }
    QString to() const { return header("to"); }
    // The token of the first "<page>?token=…" link in the text part; empty when there is none.
    QString linkToken(const QString& page) const;

    static MailFile parse(const QByteArray& bytes);
    static QString decodeHeader(const QByteArray& value);
    static QByteArray decodeQuotedPrintable(const QByteArray& body);
};

// The mails a server wrote to <data dir>/mail, oldest first.
QList<MailFile> readMailDir(const QString& dataDir);
QList<MailFile> mailsTo(const QString& dataDir, const QString& address);

} // namespace authshield::test
