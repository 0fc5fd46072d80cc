#pragma once

#include "server/mail/MailTransport.h"

namespace authshield::server {

// The embedded default: each mail becomes one RFC 5322 .eml file in a directory (<data dir>/mail), written
// to a temporary file and renamed into place, so a reader never sees half a mail. Files are private to the
// server's user: they hold live links.
class FileMailTransport final : public MailTransport
{
public:
    FileMailTransport(QString directory, QString from);

    Result<void> deliver(const OutgoingMail& mail) override;
    QString name() const override { return QStringLiteral("file"); }
    QString directory() const { return m_directory; }
    // "<yyyyMMdd-HHmmss-zzz>-<id>.eml": sorts by creation, stable across redeliveries.
    static QString fileName(const OutgoingMail& mail);

private:
    QString m_directory;
    QString m_from;
};

} // namespace authshield::server
