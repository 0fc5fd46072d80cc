#include "console/api/ApiClient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace authshield::console {

namespace {

QString hostAndPort(const QUrl& url)
{
    const int defaultPort = url.scheme() == QStringLiteral("https") ? 443 : 80;
    return QStringLiteral("%1:%2").arg(url.host()).arg(url.port(defaultPort));
}

} // namespace

ApiClient::ApiClient(QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
}

Result<QUrl> ApiClient::parseServerUrl(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return Error::make(ErrorCode::InvalidRequest, QStringLiteral("Enter the server's URL, e.g. http://127.0.0.1:8080."));
    const QString withScheme = trimmed.contains(QStringLiteral("://")) ? trimmed : QStringLiteral("http://") + trimmed;
    const QUrl url(withScheme, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return Error::make(ErrorCode::InvalidRequest,
                           QStringLiteral("\"%1\" is not a server URL; use one like http://127.0.0.1:8080.").arg(trimmed));
    if (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https"))
        return Error::make(ErrorCode::InvalidRequest,
                           QStringLiteral("The server URL must start with http:// or https://, not %1://.").arg(url.scheme()));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return Error::make(ErrorCode::InvalidRequest,
                           QStringLiteral("The server URL must not contain a user name, query or fragment."));
    return url;
}

void ApiClient::setServerUrl(const QUrl& url)
{
    if (url == m_serverUrl)
        return;
    m_serverUrl = url;
    ++m_generation;
    // Answers from the previous server are no longer wanted; their finished() is dropped by generation.
    const auto pending = m_network->findChildren<QNetworkReply*>(Qt::FindDirectChildrenOnly);
    for (QNetworkReply* reply : pending)
        reply->abort();
}

void ApiClient::fetchReadiness()
{
    const QString endpoint = QStringLiteral("GET /ready");
    get(QStringLiteral("/ready"), [this, endpoint](int status, const QByteArray& body, const QString& requestId) {
        // 503 is still a readiness answer ("unavailable" with the failing checks); only its body tells.
        if (status == 200 || status == 503) {
            QJsonParseError parseError{};
            const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
            if (parseError.error == QJsonParseError::NoError && document.isObject()) {
                Result<ReadinessReport> report = ReadinessReport::fromJson(document.object());
                if (report.ok()) {
                    Q_EMIT readinessLoaded(report.value());
                    return;
                }
                if (status == 200) {
                    ApiError error;
                    error.kind = ApiError::Kind::Protocol;
                    error.endpoint = endpoint;
                    error.httpStatus = status;
                    error.message = report.error().message;
                    error.requestId = requestId;
                    error.fields = report.error().fields;
                    Q_EMIT requestFailed(error);
                    return;
                }
            } else if (status == 200) {
                ApiError error;
                error.kind = ApiError::Kind::Protocol;
                error.endpoint = endpoint;
                error.httpStatus = status;
                error.message = QStringLiteral("The server's readiness answer is not JSON. Is this an AuthShield server?");
                error.requestId = requestId;
                Q_EMIT requestFailed(error);
                return;
            }
        }
        Q_EMIT requestFailed(ApiError::fromHttp(endpoint, status, body, requestId));
    });
}

void ApiClient::send(const QByteArray& verb, const QString& path, const QUrlQuery& query, const QJsonDocument& body,
                     const QObject* context, JsonHandler onSuccess, ErrorHandler onError)
{
    const QString endpoint = QString::fromLatin1(verb) + QLatin1Char(' ') + path;
    if (refuseWithoutServer(endpoint, context, onError))
        return;
    QUrl url = endpointUrl(path);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    if (!m_accessToken.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_accessToken);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    QByteArray payload;
    if (!body.isNull()) {
        payload = body.toJson(QJsonDocument::Compact);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    QNetworkReply* reply = m_network->sendCustomRequest(request, verb, payload);
    const quint64 generation = m_generation;
    connect(reply, &QNetworkReply::finished, context,
            [this, reply, endpoint, generation, onSuccess = std::move(onSuccess), onError = std::move(onError)]() {
                reply->deleteLater();
                if (generation != m_generation)
                    return;
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status == 0) {
                    onError(networkError(reply, endpoint));
                    return;
                }
                const QString requestId = QString::fromLatin1(reply->rawHeader(QByteArrayLiteral("X-Request-Id")));
                const QByteArray answer = reply->readAll();
                if (status < 200 || status >= 300) {
                    onError(ApiError::fromHttp(endpoint, status, answer, requestId));
                    return;
                }
                QJsonParseError parseError{};
                const QJsonDocument document =
                    answer.isEmpty() ? QJsonDocument() : QJsonDocument::fromJson(answer, &parseError);
                if (parseError.error != QJsonParseError::NoError) {
                    ApiError error;
                    error.kind = ApiError::Kind::Protocol;
                    error.endpoint = endpoint;
                    error.httpStatus = status;
                    error.message = QStringLiteral("The server's answer to %1 is not JSON.").arg(endpoint);
                    error.requestId = requestId;
                    onError(error);
                    return;
                }
                onSuccess(document, status);
            });
    // A reply whose context died is never read: release it when it ends.
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}

QNetworkReply* ApiClient::stream(const QString& path, const QUrlQuery& query, const QObject* context,
                                 ChunkHandler onChunk, std::function<void()> onFinished, ErrorHandler onError)
{
    const QString endpoint = QStringLiteral("GET ") + path;
    if (refuseWithoutServer(endpoint, context, onError))
        return nullptr;
    QUrl url = endpointUrl(path);
    url.setQuery(query);
    QNetworkRequest request(url);
    if (!m_accessToken.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_accessToken);
    // Qt's transfer timeout restarts with every byte, so a long export only fails when it stalls.
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    QNetworkReply* reply = m_network->get(request);
    const quint64 generation = m_generation;
    const auto succeeded = [reply]() {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return status >= 200 && status < 300;
    };
    connect(reply, &QNetworkReply::readyRead, context, [reply, succeeded, onChunk]() {
        if (succeeded())
            onChunk(reply->readAll());
    });
    connect(reply, &QNetworkReply::finished, context,
            [this, reply, endpoint, generation, succeeded, onChunk, onFinished = std::move(onFinished),
             onError = std::move(onError)]() {
                reply->deleteLater();
                if (generation != m_generation)
                    return;
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status == 0 || (succeeded() && reply->error() != QNetworkReply::NoError)) {
                    onError(networkError(reply, endpoint));
                    return;
                }
                const QString requestId = QString::fromLatin1(reply->rawHeader(QByteArrayLiteral("X-Request-Id")));
                if (!succeeded()) {
                    onError(ApiError::fromHttp(endpoint, status, reply->readAll(), requestId));
                    return;
                }
                if (reply->bytesAvailable() > 0)
                    onChunk(reply->readAll());
                onFinished();
            });
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    return reply;
}

void ApiClient::cancelStream(QNetworkReply* reply)
{
    if (!reply)
        return;
    reply->disconnect();
    reply->abort();
    reply->deleteLater();
}

bool ApiClient::refuseWithoutServer(const QString& endpoint, const QObject* context, const ErrorHandler& onError)
{
    if (!m_serverUrl.isEmpty())
        return false;
    ApiError error;
    error.kind = ApiError::Kind::InvalidUrl;
    error.endpoint = endpoint;
    error.message = QStringLiteral("No server URL is set.");
    QTimer::singleShot(0, context, [onError, error]() { onError(error); });
    return true;
}

QUrl ApiClient::endpointUrl(const QString& path) const
{
    // Keep a path prefix (a server behind a reverse proxy at /auth/) in front of the endpoint.
    QUrl url = m_serverUrl;
    QString base = url.path();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    url.setPath(base + path);
    return url;
}

void ApiClient::get(const QString& path, BodyHandler onAnswer)
{
    const QString endpoint = QStringLiteral("GET ") + path;
    if (m_serverUrl.isEmpty()) {
        ApiError error;
        error.kind = ApiError::Kind::InvalidUrl;
        error.endpoint = endpoint;
        error.message = QStringLiteral("No server URL is set.");
        failLater(error);
        return;
    }
    QNetworkRequest request(endpointUrl(path));
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    QNetworkReply* reply = m_network->get(request);
    const quint64 generation = m_generation;
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, endpoint, generation, onAnswer = std::move(onAnswer)]() {
                finished(reply, endpoint, generation, onAnswer);
            });
}

void ApiClient::finished(QNetworkReply* reply, const QString& endpoint, quint64 generation,
                         const BodyHandler& onAnswer)
{
    reply->deleteLater();
    if (generation != m_generation)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {
        Q_EMIT requestFailed(networkError(reply, endpoint));
        return;
    }
    const QString requestId = QString::fromLatin1(reply->rawHeader(QByteArrayLiteral("X-Request-Id")));
    onAnswer(status, reply->readAll(), requestId);
}

ApiError ApiClient::networkError(QNetworkReply* reply, const QString& endpoint) const
{
    ApiError error;
    error.kind = ApiError::Kind::Network;
    error.endpoint = endpoint;
    const QString where = hostAndPort(reply->url());
    switch (reply->error()) {
    case QNetworkReply::ConnectionRefusedError:
        error.message = QStringLiteral("Could not connect to %1: the connection was refused. Is the server running "
                                       "and listening on that port?").arg(where);
        break;
    case QNetworkReply::HostNotFoundError:
        error.message = QStringLiteral("The server name \"%1\" could not be found.").arg(reply->url().host());
        break;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // how a transfer timeout ends; we abort only dropped requests
        error.kind = ApiError::Kind::Timeout;
        error.message = QStringLiteral("The server at %1 did not answer within %2 seconds.")
                            .arg(where)
                            .arg(static_cast<double>(m_timeout.count()) / 1000.0);
        break;
    case QNetworkReply::RemoteHostClosedError:
        error.message = QStringLiteral("The server at %1 closed the connection before answering.").arg(where);
        break;
    case QNetworkReply::SslHandshakeFailedError:
        error.message = QStringLiteral("A secure connection to %1 could not be established: %2")
                            .arg(where, reply->errorString());
        break;
    default:
        error.message = QStringLiteral("Could not reach the server at %1: %2").arg(where, reply->errorString());
        break;
    }
    return error;
}

void ApiClient::failLater(ApiError error)
{
    // Signals are always asynchronous, so callers may connect after calling fetch…().
    QTimer::singleShot(0, this, [this, error = std::move(error)]() { Q_EMIT requestFailed(error); });
}

} // namespace authshield::console
