#pragma once

#include <QString>

#include <optional>

namespace authshield {

// Machine-readable error codes of the API envelope {"error":{"code":…}}. Server and console share them so
// the console can react to a code (e.g. show the login dialog on invalid_token) without string matching.
enum class ErrorCode {
    MalformedJson,
    InvalidRequest,
    ValidationFailed,
    UnsupportedMediaType,
    PayloadTooLarge,
    HeadersTooLarge,
    NotFound,
    MethodNotAllowed,
    Conflict,
    InvalidToken,
    InvalidCredentials,
    EmailNotVerified,
    Forbidden,
    RefreshTokenReused,
    InvalidRefreshToken,
    RateLimited,
    RequestTimeout,
    ServiceUnavailable,
    Internal,
};

QString errorCodeName(ErrorCode code);
// The reverse, for clients reading an envelope; nullopt for a code this build does not know.
std::optional<ErrorCode> errorCodeFromName(const QString& name);
// Default HTTP status for a code; handlers may still choose another (e.g. 503 vs 500).
int errorCodeStatus(ErrorCode code);

} // namespace authshield
