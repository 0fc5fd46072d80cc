#include "console/api/ApiError.h"

#include "shared/dto/ApiErrorDto.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace authshield::console {

ApiError ApiError::fromHttp(const QString& endpoint, int httpStatus, const QByteArray& body,
                            const QString& requestIdHeader)
{
    ApiError error;
    error.kind = Kind::Server;
    error.endpoint = endpoint;
    error.httpStatus = httpStatus;
    error.requestId = requestIdHeader;

    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error == QJsonParseError::NoError && document.isObject()) {
        const Result<ApiErrorDto> envelope = ApiErrorDto::fromJson(document.object());
        if (envelope.ok()) {
            error.code = envelope->code;
            error.message = envelope->message.isEmpty()
                                ? QStringLiteral("The server refused the request (%1).").arg(envelope->code)
                                : envelope->message;
            if (!envelope->requestId.isEmpty())
                error.requestId = envelope->requestId;
            error.fields = envelope->fields;
            return error;
        }
    }
    error.message = QStringLiteral("The server answered with HTTP status %1 and no error details.").arg(httpStatus);
    return error;
}

QString ApiError::displayText() const
{
    if (requestId.isEmpty())
        return message;
    return QStringLiteral("%1 (request id: %2)").arg(message, requestId);
}

} // namespace authshield::console
