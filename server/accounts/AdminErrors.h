#pragma once

#include "shared/Result.h"

namespace authshield::server {

// Conflicts the admin API names with their own error codes (409 last_admin, 409 role_in_use). The code travels
// in fields["code"] of an Error{Conflict}; the admin routes lift it into the envelope's code.
inline Error conflictWithCode(const QString& code, const QString& message)
{
    Error error = Error::make(ErrorCode::Conflict, message);
    error.fields.insert(QStringLiteral("code"), code);
    return error;
}

inline Error lastAdminError()
{
    return conflictWithCode(QStringLiteral("last_admin"),
                            QStringLiteral("this would leave no active administrator; make another user an "
                                           "administrator first"));
}

} // namespace authshield::server
