#include "server/http/HttpResponse.h"

#include <QJsonArray>

namespace authshield::server {

namespace {
const QByteArray kJson = QByteArrayLiteral("application/json");
}

HttpResponse HttpResponse::json(int status, const QJsonObject& object)
{
    return json(status, QJsonDocument(object));
}

HttpResponse HttpResponse::json(int status, const QJsonDocument& document)
{
    HttpResponse response;
    response.status = status;
    response.contentType = kJson;
    response.body = document.toJson(QJsonDocument::Compact);
    return response;
}

HttpResponse HttpResponse::noContent(int status)
{
    HttpResponse response;
    response.status = status;
    return response;
}

HttpResponse HttpResponse::text(int status, const QByteArray& body, const QByteArray& contentType)
{
    HttpResponse response;
    response.status = status;
    response.body = body;
    response.contentType = contentType;
    return response;
}

HttpResponse HttpResponse::error(const Error& error)
{
    QJsonObject inner;
    inner.insert(QStringLiteral("code"), errorCodeName(error.code));
    inner.insert(QStringLiteral("message"), error.message);
    if (!error.fields.isEmpty()) {
        QJsonObject fields;
        for (auto it = error.fields.begin(); it != error.fields.end(); ++it)
            fields.insert(it.key(), it.value());
        inner.insert(QStringLiteral("fields"), fields);
    }
    HttpResponse response = json(errorCodeStatus(error.code), QJsonObject{{QStringLiteral("error"), inner}});
    if (error.code == ErrorCode::InvalidToken)
        response.setHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer error=\"invalid_token\""));
    return response;
}

HttpResponse HttpResponse::error(ErrorCode code, const QString& message)
{
    return error(Error::make(code, message));
}

void HttpResponse::setHeader(const QByteArray& name, const QByteArray& value)
{
    for (auto& header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0) {
            header.second = value;
            return;
        }
    }
    headers.append({name, value});
}

QByteArray HttpResponse::header(const QByteArray& name) const
{
    for (const auto& header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 200: return QByteArrayLiteral("OK");
    case 201: return QByteArrayLiteral("Created");
    case 202: return QByteArrayLiteral("Accepted");
    case 204: return QByteArrayLiteral("No Content");
    case 301: return QByteArrayLiteral("Moved Permanently");
    case 302: return QByteArrayLiteral("Found");
    case 303: return QByteArrayLiteral("See Other");
    case 304: return QByteArrayLiteral("Not Modified");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 403: return QByteArrayLiteral("Forbidden");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 409: return QByteArrayLiteral("Conflict");
    case 411: return QByteArrayLiteral("Length Required");
    case 413: return QByteArrayLiteral("Content Too Large");
    case 415: return QByteArrayLiteral("Unsupported Media Type");
    case 422: return QByteArrayLiteral("Unprocessable Content");
    case 429: return QByteArrayLiteral("Too Many Requests");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 501: return QByteArrayLiteral("Not Implemented");
    case 503: return QByteArrayLiteral("Service Unavailable");
    default: return QByteArrayLiteral("Status");
    }
}

HttpResponse HttpResponse::streamed(int status, const QByteArray& contentType, BodyStream stream)
{
    HttpResponse response;
    response.status = status;
    response.contentType = contentType;
    response.stream = std::move(stream);
    return response;
}

} // namespace authshield::server
