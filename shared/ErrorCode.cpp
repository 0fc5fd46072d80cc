#include "shared/ErrorCode.h"

namespace authshield {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::MalformedJson: return QStringLiteral("malformed_json");
    case ErrorCode::InvalidRequest: return QStringLiteral("invalid_request");
    case ErrorCode::ValidationFailed: return QStringLiteral("validation_failed");
    case ErrorCode::UnsupportedMediaType: return QStringLiteral("unsupported_media_type");
    case ErrorCode::PayloadTooLarge: return QStringLiteral("payload_too_large");
    case ErrorCode::HeadersTooLarge: return QStringLiteral("headers_too_large");
    case ErrorCode::NotFound: return QStringLiteral("not_found");
    case ErrorCode::MethodNotAllowed: return QStringLiteral("method_not_allowed");
    case ErrorCode::Conflict: return QStringLiteral("conflict");
    case ErrorCode::InvalidToken: return QStringLiteral("invalid_token");
    case ErrorCode::InvalidCredentials: return QStringLiteral("invalid_credentials");
    case ErrorCode::EmailNotVerified: return QStringLiteral("email_not_verified");
    case ErrorCode::Forbidden: return QStringLiteral("forbidden");
    case ErrorCode::RefreshTokenReused: return QStringLiteral("refresh_token_reused");
    case ErrorCode::InvalidRefreshToken: return QStringLiteral("invalid_refresh_token");
    case ErrorCode::RateLimited: return QStringLiteral("rate_limited");
    case ErrorCode::RequestTimeout: return QStringLiteral("request_timeout");
    case ErrorCode::ServiceUnavailable: return QStringLiteral("service_unavailable");
    case ErrorCode::Internal: return QStringLiteral("internal_error");
    }
    return QStringLiteral("internal_error");
}

std::optional<ErrorCode> errorCodeFromName(const QString& name)
{
    // Internal is the last enumerator; errorCodeName's exhaustive switch keeps the names complete.
    for (int i = 0; i <= static_cast<int>(ErrorCode::Internal); ++i) {
        const auto code = static_cast<ErrorCode>(i);
        if (errorCodeName(code) == name)
            return code;
    }
    return std::nullopt;
}

int errorCodeStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::MalformedJson:
    case ErrorCode::InvalidRequest: return 400;
    case ErrorCode::ValidationFailed: return 422;
    case ErrorCode::UnsupportedMediaType: return 415;
    case ErrorCode::PayloadTooLarge: return 413;
    case ErrorCode::HeadersTooLarge: return 431;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::MethodNotAllowed: return 405;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::InvalidToken:
    case ErrorCode::InvalidCredentials:
    case ErrorCode::RefreshTokenReused:
    case ErrorCode::InvalidRefreshToken: return 401;
    case ErrorCode::EmailNotVerified:
    case ErrorCode::Forbidden: return 403;
    case ErrorCode::RateLimited: return 429;
    case ErrorCode::RequestTimeout: return 408;
    case ErrorCode::ServiceUnavailable: return 503;
    case ErrorCode::Internal: return 500;
    }
    return 500;
}

} // namespace authshield
