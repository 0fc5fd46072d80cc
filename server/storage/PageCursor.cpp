#include "server/storage/PageCursor.h"

#include <QJsonDocument>

namespace authshield::server {

QString PageCursor::encode(const QJsonObject& position)
{
    return QString::fromLatin1(QJsonDocument(position).toJson(QJsonDocument::Compact).toBase64(
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Error PageCursor::invalid(const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the cursor is not valid"));
    error.fields.insert(QStringLiteral("cursor"), reason);
    return error;
}

Result<QJsonObject> PageCursor::decode(const QString& cursor)
{
    if (cursor.size() > 1024)
        return invalid();
    const auto decoded = QByteArray::fromBase64Encoding(cursor.toLatin1(), QByteArray::Base64UrlEncoding
                                                                                | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return invalid();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid();
    return document.object();
}

Result<int> parsePageLimit(const QString& text, int defaultLimit, int maxLimit)
{
    if (text.isEmpty())
        return defaultLimit;
    bool ok = false;
    const int limit = text.toInt(&ok);
    if (!ok || limit < 1 || limit > maxLimit) {
        Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the limit is out of range"));
        error.fields.insert(QStringLiteral("limit"), QStringLiteral("must be between 1 and %1").arg(maxLimit));
        return error;
    }
    return limit;
}

} // namespace authshield::server
