#pragma once

#include "shared/ErrorCode.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QMap>
#include <QString>

#include <optional>

namespace authshield {

// The error envelope every API error carries: {"error":{"code","message","request_id"[,"fields"]}}.
struct ApiErrorDto
{
    QString code; // kept as sent: a newer server may use codes this build does not know
    QString message;
    QString requestId;
    QMap<QString, QString> fields; // per-field reasons of validation_failed

    // Takes the whole response body object; a body that is not an envelope becomes a validation_failed Error.
    static Result<ApiErrorDto> fromJson(const QJsonObject& json);
    QJsonObject toJson() const;

    std::optional<ErrorCode> knownCode() const { return errorCodeFromName(code); }
};

} // namespace authshield
