#include "server/http/RequestPipeline.h"

#include "server/core/Log.h"

#include <QJsonDocument>
#include <QRandomGenerator>

#include <exception>

namespace authshield::server {

namespace {
const QByteArray kDefaultSecurityHeaders = QByteArrayLiteral("X-Content-Type-Options: nosniff\r\n"
                                                             "X-Frame-Options: DENY\r\n"
                                                             "Referrer-Policy: no-referrer\r\n");
const QByteArray kHsts = QByteArrayLiteral("Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n");

bool isSaneRequestIdChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '.' || c == ':';
}

bool isJsonContentType(const QByteArray& value)
{
    const QList<QByteArray> parts = value.split(';');
    if (parts.first().trimmed().toLower() != "application/json")
        return false;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray param = parts.at(i).trimmed().toLower();
        if (!param.isEmpty() && param != "charset=utf-8" && param != "charset=\"utf-8\"")
            return false;
    }
    return true;
}

bool hasBody(HttpMethod method)
{
    return method == HttpMethod::Post || method == HttpMethod::Put || method == HttpMethod::Patch
        || method == HttpMethod::Delete;
}
} // namespace

RequestPipeline::RequestPipeline(const Router& router, PipelineOptions options)
    : m_router(router)
    , m_options(std::move(options))
{
}

QString RequestPipeline::newRequestId() const
{
    quint64 words[2];
    QRandomGenerator::global()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(words), sizeof(words)).toHex());
}

QString RequestPipeline::acceptRequestId(const QByteArray& incoming) const
{
    if (incoming.isEmpty() || incoming.size() > 128)
        return newRequestId();
    for (const char c : incoming) {
        if (!isSaneRequestIdChar(c))
            return newRequestId();
    }
    return QString::fromLatin1(incoming);
}

bool RequestPipeline::isTrustedProxy(const QHostAddress& address) const
{
    for (const Cidr& cidr : m_options.trustedProxies) {
        if (cidr.contains(address))
            return true;
    }
    return false;
}

QHostAddress RequestPipeline::resolveClientAddress(const HttpRequest& request) const
{
    if (m_options.trustedProxies.isEmpty() || !isTrustedProxy(request.peerAddress))
        return request.peerAddress;
    // Walk X-Forwarded-For from the right (nearest hop) and take the first address that is not one of
    // our proxies: everything left of it was written by the client and cannot be trusted.
    QList<QByteArray> hops;
    for (const auto& [name, value] : request.headers) {
        if (name == "x-forwarded-for")
            hops.append(value.split(','));
    }
    QHostAddress client = request.peerAddress;
    for (qsizetype i = hops.size() - 1; i >= 0; --i) {
        const QHostAddress hop(QString::fromLatin1(hops.at(i).trimmed()));
        if (hop.isNull())
            break;
        client = hop;
        if (!isTrustedProxy(hop))
            break;
    }
    return client;
}

RequestPipeline::Prepared RequestPipeline::prepare(HttpRequest& request) const
{
    Prepared prepared;
    request.requestId = acceptRequestId(request.header(QByteArrayLiteral("x-request-id")));
    request.clientAddress = resolveClientAddress(request);

    RouteMatch match = m_router.match(request.method, request.path);
    if (!match.route) {
        if (!match.allowedMethods.isEmpty()) {
            HttpResponse response = HttpResponse::error(
                ErrorCode::MethodNotAllowed,
                QStringLiteral("%1 is not allowed here").arg(httpMethodName(request.method)));
            response.setHeader(QByteArrayLiteral("Allow"), match.allowedMethods.join(QStringLiteral(", ")).toLatin1());
            prepared.earlyResponse = std::move(response);
        } else {
            prepared.earlyResponse = HttpResponse::error(ErrorCode::NotFound, QStringLiteral("no such resource"));
        }
        return prepared;
    }
    prepared.route = match.route;
    request.pathParams = std::move(match.params);
    const RouteOptions& options = match.route->options;

    if (request.headerCount(QByteArrayLiteral("authorization")) > 1) {
        prepared.earlyResponse = HttpResponse::error(ErrorCode::InvalidRequest,
                                                     QStringLiteral("more than one Authorization header"));
        return prepared;
    }
    if (hasBody(request.method) && !request.body.isEmpty()) {
        if (!options.jsonBody && !options.formBody) {
            prepared.earlyResponse = HttpResponse::error(ErrorCode::InvalidRequest,
                                                         QStringLiteral("this endpoint takes no request body"));
            return prepared;
        }
        const QByteArray contentType = request.header(QByteArrayLiteral("content-type"));
        if (options.formBody
            && !contentType.trimmed().toLower().startsWith(QByteArrayLiteral("application/x-www-form-urlencoded"))) {
            prepared.earlyResponse = HttpResponse::error(
                ErrorCode::UnsupportedMediaType,
                QStringLiteral("request body must be application/x-www-form-urlencoded"));
            return prepared;
        }
        if (options.jsonBody && !isJsonContentType(contentType)) {
            prepared.earlyResponse = HttpResponse::error(
                ErrorCode::UnsupportedMediaType, QStringLiteral("request body must be application/json (UTF-8)"));
            return prepared;
        }
    }

    if (!options.rateLimitPolicies.isEmpty() && m_rateLimitGuard) {
        if (auto limited = m_rateLimitGuard->check(request, options.rateLimitPolicies, prepared.context)) {
            prepared.earlyResponse = std::move(*limited);
            return prepared;
        }
    }

    if (options.auth == Auth::Bearer) {
        const QByteArray authorization = request.header(QByteArrayLiteral("authorization"));
        const bool isBearer = authorization.size() > 7 && authorization.first(7).toLower() == "bearer ";
        if (!isBearer || !m_authenticator) {
            HttpResponse response = HttpResponse::error(ErrorCode::InvalidToken,
                                                        QStringLiteral("a Bearer access token is required"));
            response.setHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer"));
            prepared.earlyResponse = std::move(response);
            return prepared;
        }
        Result<Principal> principal = m_authenticator->authenticate(authorization.mid(7).trimmed());
        if (!principal) {
            prepared.earlyResponse = HttpResponse::error(principal.error());
            return prepared;
        }
        prepared.context.principal = std::move(principal).value();
        if (!options.permission.isEmpty() && !prepared.context.principal->hasPermission(options.permission)) {
            prepared.earlyResponse = HttpResponse::error(
                ErrorCode::Forbidden, QStringLiteral("this needs the permission %1").arg(options.permission));
            return prepared;
        }
    }
    return prepared;
}

HttpResponse RequestPipeline::runHandler(const Route& route, const HttpRequest& request, RequestContext& context)
{
    // A handler bug must cost one request a 500, never the process.
    try {
        return route.handler(request, context);
    } catch (const std::exception& e) {
        Log::error(QStringLiteral("http"), QStringLiteral("handler threw"),
                   {{QStringLiteral("route"), route.pattern},
                    {QStringLiteral("request_id"), request.requestId},
                    {QStringLiteral("what"), QString::fromUtf8(e.what())}});
    } catch (...) {
        Log::error(QStringLiteral("http"), QStringLiteral("handler threw"),
                   {{QStringLiteral("route"), route.pattern}, {QStringLiteral("request_id"), request.requestId}});
    }
    return HttpResponse::error(ErrorCode::Internal, QStringLiteral("internal error"));
}

QByteArray RequestPipeline::finish(const HttpRequest& request, const Route* route, const RequestContext& context,
                                   HttpResponse response) const
{
    for (const auto& [name, value] : context.responseHeaders) {
        if (response.header(name).isEmpty())
            response.headers.append({name, value});
    }
    if (request.header(QByteArrayLiteral("connection")).toLower() == "close")
        response.closeConnection = true;
    const QByteArray bytes = serialise(&request, response, request.requestId);

    const double ms = static_cast<double>(request.received.nsecsElapsed()) / 1e6;
    if (m_observer)
        m_observer->requestFinished(request, route, response.status, ms);
    if (m_options.accessLog && Log::level() <= LogLevel::Info) {
        Log::info(QStringLiteral("access"), QStringLiteral("request"),
                  {{QStringLiteral("method"), httpMethodName(request.method)},
                   {QStringLiteral("path"), request.path.left(256)},
                   {QStringLiteral("route"), route ? route->pattern : QString()},
                   {QStringLiteral("status"), response.status},
                   {QStringLiteral("ms"), qRound(ms * 1000.0) / 1000.0},
                   {QStringLiteral("request_id"), request.requestId},
                   {QStringLiteral("ip"), request.clientAddress.toString()}});
    }
    return bytes;
}

QByteArray RequestPipeline::serialiseBareError(const Error& error, const QString& requestId) const
{
    HttpResponse response = HttpResponse::error(error);
    response.closeConnection = true;
    Log::info(QStringLiteral("access"), QStringLiteral("request rejected at the socket"),
              {{QStringLiteral("status"), response.status},
               {QStringLiteral("code"), errorCodeName(error.code)},
               {QStringLiteral("request_id"), requestId}});
    return serialise(nullptr, response, requestId);
}

QByteArray RequestPipeline::serialise(const HttpRequest* request, HttpResponse& response,
                                      const QString& requestId) const
{
    // The envelope carries the request id; handlers build errors without knowing it.
    if (response.isError() && response.contentType == "application/json") {
        QJsonDocument document = QJsonDocument::fromJson(response.body);
        QJsonObject root = document.object();
        QJsonObject inner = root.value(QStringLiteral("error")).toObject();
        if (!inner.isEmpty() && !inner.contains(QStringLiteral("request_id"))) {
            inner.insert(QStringLiteral("request_id"), requestId);
            root.insert(QStringLiteral("error"), inner);
            response.body = QJsonDocument(root).toJson(QJsonDocument::Compact);
        }
    }

    QByteArray out;
    out.reserve(512 + response.body.size());
    out.append("HTTP/1.1 ").append(QByteArray::number(response.status)).append(' ');
    out.append(httpReasonPhrase(response.status)).append("\r\n");
    bool hasCsp = false;
    bool hasCacheControl = false;
    for (const auto& [name, value] : response.headers) {
        hasCsp = hasCsp || name.compare("Content-Security-Policy", Qt::CaseInsensitive) == 0;
        hasCacheControl = hasCacheControl || name.compare("Cache-Control", Qt::CaseInsensitive) == 0;
        out.append(name).append(": ").append(value).append("\r\n");
    }
    if (!response.contentType.isEmpty())
        out.append("Content-Type: ").append(response.contentType).append("\r\n");
    if (response.stream)
        out.append("Transfer-Encoding: chunked\r\n");
    else
        out.append("Content-Length: ").append(QByteArray::number(response.body.size())).append("\r\n");
    out.append("X-Request-ID: ").append(requestId.toLatin1()).append("\r\n");
    out.append(kDefaultSecurityHeaders);
    if (!hasCsp)
        out.append("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n");
    if (!hasCacheControl)
        out.append("Cache-Control: no-store\r\n");
    if (m_options.strictTransportSecurity)
        out.append(kHsts);
    if (response.closeConnection)
        out.append("Connection: close\r\n");
    out.append("\r\n");
    if ((!request || request->method != HttpMethod::Head) && !response.stream)
        out.append(response.body);
    return out;
}

} // namespace authshield::server
