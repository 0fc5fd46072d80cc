#include "shared/dto/ApiErrorDto.h"

#include <QJsonValue>

namespace authshield {

namespace {

Error invalid(const QString& path, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed,
                              QStringLiteral("The error answer is not understood: %1 %2.").arg(path, reason));
    error.fields.insert(path, reason);
    return error;
}

QString missingOrWrong(const QJsonValue& value, const QString& expected)
{
    return value.isUndefined() ? QStringLiteral("is missing") : QStringLiteral("is not %1").arg(expected);
}

} // namespace

Result<ApiErrorDto> ApiErrorDto::fromJson(const QJsonObject& json)
{
    const QJsonValue errorValue = json.value(QStringLiteral("error"));
    if (!errorValue.isObject())
        return invalid(QStringLiteral("error"), missingOrWrong(errorValue, QStringLiteral("an object")));
    const QJsonObject inner = errorValue.toObject();

    ApiErrorDto dto;
    const QJsonValue code = inner.value(QStringLiteral("code"));
    if (!code.isString() || code.toString().isEmpty())
        return invalid(QStringLiteral("error.code"), code.isString() ? QStringLiteral("is empty")
                                                                     : missingOrWrong(code, QStringLiteral("a string")));
    dto.code = code.toString();

    const QJsonValue message = inner.value(QStringLiteral("message"));
    if (!message.isString())
        return invalid(QStringLiteral("error.message"), missingOrWrong(message, QStringLiteral("a string")));
    dto.message = message.toString();

    const QJsonValue requestId = inner.value(QStringLiteral("request_id"));
    if (!requestId.isUndefined() && !requestId.isString())
        return invalid(QStringLiteral("error.request_id"), QStringLiteral("is not a string"));
    dto.requestId = requestId.toString();

    const QJsonValue fields = inner.value(QStringLiteral("fields"));
    if (!fields.isUndefined()) {
        if (!fields.isObject())
            return invalid(QStringLiteral("error.fields"), QStringLiteral("is not an object"));
        const QJsonObject fieldObject = fields.toObject();
        for (auto it = fieldObject.begin(); it != fieldObject.end(); ++it) {
            if (!it.value().isString())
                return invalid(QStringLiteral("error.fields.") + it.key(), QStringLiteral("is not a string"));
            dto.fields.insert(it.key(), it.value().toString());
        }
    }
    return dto;
}

QJsonObject ApiErrorDto::toJson() const
{
    QJsonObject inner{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!requestId.isEmpty())
        inner.insert(QStringLiteral("request_id"), requestId);
    if (!fields.isEmpty()) {
        QJsonObject fieldObject;
        for (auto it = fields.begin(); it != fields.end(); ++it)
            fieldObject.insert(it.key(), it.value());
        inner.insert(QStringLiteral("fields"), fieldObject);
    }
    return QJsonObject{{QStringLiteral("error"), inner}};
}

} // namespace authshield
