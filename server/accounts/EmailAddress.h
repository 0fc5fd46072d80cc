#pragma once

#include "shared/Result.h"

#include <QString>

namespace authshield::server {

// Email addresses as the account key: trimmed, domain lower-cased (and the local part too by default,
// since nearly every provider treats it case-insensitively and duplicates by case confuse people).
class EmailAddress
{
public:
    static constexpr int kMaxLength = 254; // RFC 5321 path limit

    // Error{ValidationFailed} with fields["<fieldName>"] when it is not a plausible address.
    static Result<QString> normalise(const QString& input, const QString& fieldName = QStringLiteral("email"),
                                     bool lowerCaseLocalPart = true);
    static QString localPart(const QString& normalised);
};

} // namespace authshield::server
