#pragma once

#include "shared/Result.h"

#include <QJsonObject>
#include <QString>

namespace authshield::server {

// Keyset-paging cursors: the last row's sort key, as opaque base64url JSON. Clients only hand them back; a cursor
// that does not decode (or belongs to another ordering) is Error{ValidationFailed} on field "cursor".
namespace PageCursor {
QString encode(const QJsonObject& position);
Result<QJsonObject> decode(const QString& cursor);
Error invalid(const QString& reason = QStringLiteral("is not a cursor of this listing"));
} // namespace PageCursor

// limit: 1..200, default 50 (Error{ValidationFailed} on field "limit" otherwise).
Result<int> parsePageLimit(const QString& text, int defaultLimit = 50, int maxLimit = 200);

} // namespace authshield::server
