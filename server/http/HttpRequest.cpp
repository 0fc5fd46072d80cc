#include "server/http/HttpRequest.h"

namespace authshield::server {

QString httpMethodName(HttpMethod method)
{
    switch (method) {
    case HttpMethod::Get: return QStringLiteral("GET");
    case HttpMethod::Head: return QStringLiteral("HEAD");
    case HttpMethod::Post: return QStringLiteral("POST");
    case HttpMethod::Put: return QStringLiteral("PUT");
    case HttpMethod::Patch: return QStringLiteral("PATCH");
    case HttpMethod::Delete: return QStringLiteral("DELETE");
    case HttpMethod::Options: return QStringLiteral("OPTIONS");
    case HttpMethod::Other: return QStringLiteral("OTHER");
    }
    return QStringLiteral("OTHER");
}

QByteArray HttpRequest::header(const QByteArray& lowerCaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowerCaseName)
            return value;
    }
    return {};
}

int HttpRequest::headerCount(const QByteArray& lowerCaseName) const
{
    int count = 0;
    for (const auto& header : headers)
        count += header.first == lowerCaseName ? 1 : 0;
    return count;
}

} // namespace authshield::server
