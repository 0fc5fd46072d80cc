#include "server/mail/FileMailTransport.h"

#include "server/mail/MimeMessage.h"

#include <QDir>
#include <QSaveFile>

namespace authshield::server {

FileMailTransport::FileMailTransport(QString directory, QString from)
    : m_directory(std::move(directory))
    , m_from(std::move(from))
{
}

QString FileMailTransport::fileName(const OutgoingMail& mail)
{
    return mail.createdAt.toUTC().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")) + u'-' + mail.id
        + QStringLiteral(".eml");
}

Result<void> FileMailTransport::deliver(const OutgoingMail& mail)
{
    // A directory that cannot be created or written is an operator problem that can be fixed: retry later.
    QDir dir(m_directory);
    if (!dir.exists()) {
        if (!QDir().mkpath(m_directory))
            return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("cannot create the mail directory"));
        QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }

    MimeMessage::Envelope envelope;
    envelope.from = m_from;
    envelope.messageId = mail.id + u'@' + MimeMessage::domainOf(m_from);
    envelope.date = mail.createdAt;
    const QByteArray bytes = MimeMessage::build(mail.message, envelope);

    QSaveFile file(dir.filePath(fileName(mail)));
    if (!file.open(QIODevice::WriteOnly))
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("cannot write to the mail directory: %1").arg(file.errorString()));
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    if (file.write(bytes) != bytes.size() || !file.commit())
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("cannot write the mail file: %1").arg(file.errorString()));
    return success();
}

} // namespace authshield::server
