#include "console/api/ApiClient.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSettings>
#include <QSslConfiguration>
#include <QStringList>

#include <algorithm>
#include <limits>
#include <utility>
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
    , m_refreshTimer(new QTimer(this))
{
    m_refreshTimer->setSingleShot(true);
    connect(m_refreshTimer, &QTimer::timeout, this, &ApiClient::refreshSession);
    connect(m_network, &QNetworkAccessManager::sslErrors, this,
            [this](QNetworkReply* reply, const QList<QSslError>& errors) {
                const QSslCertificate certificate = reply->sslConfiguration().peerCertificate();
                const QString where = hostAndPort(reply->url());
                if (!certificate.isNull() && trustedFingerprint(where) == fingerprint(certificate)) {
                    reply->ignoreSslErrors(errors); // the user looked at this very certificate and trusted it
                    return;
                }
                m_rejectedCertificate = certificate;
                Q_EMIT tlsCertificateRejected(where, certificate, errors);
            });
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
    // Tokens belong to the server that issued them.
    clearSession();
    m_refreshing = false;
    m_waiting.clear();
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
    Call call{verb, path, query, body, const_cast<QObject*>(context), std::move(onSuccess), std::move(onError),
              true, false, m_generation};
    if (m_refreshing) {
        m_waiting.append(std::move(call));
        return;
    }
    dispatch(std::move(call));
}

void ApiClient::sendAnonymous(const QByteArray& verb, const QString& path, const QJsonDocument& body,
                              const QObject* context, JsonHandler onSuccess, ErrorHandler onError)
{
    const QString endpoint = QString::fromLatin1(verb) + QLatin1Char(' ') + path;
    if (refuseWithoutServer(endpoint, context, onError))
        return;
    dispatch(Call{verb, path, {}, body, const_cast<QObject*>(context), std::move(onSuccess), std::move(onError),
                  false, false, m_generation});
}

void ApiClient::dispatch(Call call)
{
    if (call.context.isNull() || call.generation != m_generation)
        return;
    const QString endpoint = QString::fromLatin1(call.verb) + QLatin1Char(' ') + call.path;
    QUrl url = endpointUrl(call.path);
    url.setQuery(call.query);
    QNetworkRequest request(url);
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    if (call.authenticated && !m_accessToken.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_accessToken);
    request.setTransferTimeout(static_cast<int>(m_timeout.count()));
    QByteArray payload;
    if (!call.body.isNull()) {
        payload = call.body.toJson(QJsonDocument::Compact);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    QNetworkReply* reply = m_network->sendCustomRequest(request, call.verb, payload);
    QObject* context = call.context.data();
    connect(reply, &QNetworkReply::finished, context, [this, reply, endpoint, call = std::move(call)]() mutable {
        reply->deleteLater();
        if (call.generation != m_generation)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            call.onError(networkError(reply, endpoint));
            return;
        }
        const QString requestId = QString::fromLatin1(reply->rawHeader(QByteArrayLiteral("X-Request-Id")));
        const QByteArray answer = reply->readAll();
        if (status < 200 || status >= 300) {
            ApiError error = ApiError::fromHttp(endpoint, status, answer, requestId);
            // An expired access token: refresh once, then send the same request again.
            if (status == 401 && call.authenticated && !call.retried && !m_refreshToken.isEmpty()
                && error.code == QStringLiteral("invalid_token")) {
                call.retried = true;
                m_waiting.append(std::move(call));
                refreshSession();
                return;
            }
            call.onError(error);
            return;
        }
        QJsonParseError parseError{};
        const QJsonDocument document = answer.isEmpty() ? QJsonDocument() : QJsonDocument::fromJson(answer, &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            ApiError error;
            error.kind = ApiError::Kind::Protocol;
            error.endpoint = endpoint;
            error.httpStatus = status;
            error.message = QStringLiteral("The server's answer to %1 is not JSON.").arg(endpoint);
            error.requestId = requestId;
            call.onError(error);
            return;
        }
        call.onSuccess(document, status);
    });
    // A reply whose context died is never read: release it when it ends.
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}

void ApiClient::login(const QString& email, const QString& password, const QObject* context, LoginHandler onDone,
                      ErrorHandler onError)
{
    sendAnonymous("POST", QStringLiteral("/api/v1/auth/login"),
                  QJsonDocument(QJsonObject{{QStringLiteral("email"), email}, {QStringLiteral("password"), password}}),
                  context,
                  [this, email, onDone, onError](const QJsonDocument& body, int) {
                      handleLoginAnswer(body, email, onDone, onError);
                  },
                  onError);
}

void ApiClient::verifyMfa(const QString& mfaToken, const QString& code, const QObject* context, LoginHandler onDone,
                          ErrorHandler onError)
{
    const QString email = m_pendingMfaEmail;
    // Six digits are an authenticator code; anything else is taken for a recovery code.
    static const QRegularExpression totp(QStringLiteral("^[0-9]{6}$"));
    const QString field = totp.match(code).hasMatch() ? QStringLiteral("code") : QStringLiteral("recovery_code");
    sendAnonymous("POST", QStringLiteral("/api/v1/auth/mfa/verify"),
                  QJsonDocument(QJsonObject{{QStringLiteral("mfa_token"), mfaToken}, {field, code}}),
                  context,
                  [this, email, onDone, onError](const QJsonDocument& body, int) {
                      handleLoginAnswer(body, email, onDone, onError);
                  },
                  onError);
}

void ApiClient::handleLoginAnswer(const QJsonDocument& body, const QString& email, const LoginHandler& onDone,
                                  const ErrorHandler& onError)
{
    const QJsonObject answer = body.object();
    if (answer.value(QStringLiteral("mfa_enrolment_required")).toBool()) {
        ApiError error;
        error.kind = ApiError::Kind::Server;
        error.endpoint = QStringLiteral("POST /api/v1/auth/login");
        error.httpStatus = 200;
        error.code = QStringLiteral("mfa_enrolment_required");
        error.message = QStringLiteral("This account must set up two-factor authentication before it can sign in. "
                                       "Enrol an authenticator app for it first, then sign in here.");
        onError(error);
        return;
    }
    if (answer.value(QStringLiteral("mfa_required")).toBool()) {
        m_pendingMfaEmail = email;
        onDone(answer.value(QStringLiteral("mfa_token")).toString());
        return;
    }
    if (answer.value(QStringLiteral("access_token")).toString().isEmpty()
        || answer.value(QStringLiteral("refresh_token")).toString().isEmpty()) {
        ApiError error;
        error.kind = ApiError::Kind::Protocol;
        error.endpoint = QStringLiteral("POST /api/v1/auth/login");
        error.httpStatus = 200;
        error.message = QStringLiteral("The server's sign-in answer has no tokens. Is this an AuthShield server?");
        onError(error);
        return;
    }
    acceptTokens(answer, email);
    onDone(QString());
    Q_EMIT signedIn(email);
}

void ApiClient::acceptTokens(const QJsonObject& answer, const QString& email)
{
    m_accessToken = answer.value(QStringLiteral("access_token")).toString().toUtf8();
    m_refreshToken = answer.value(QStringLiteral("refresh_token")).toString().toUtf8();
    if (!email.isEmpty())
        m_email = email;
    const qint64 expiresIn = answer.value(QStringLiteral("expires_in")).toInteger(0);
    m_refreshTimer->stop();
    if (m_proactiveRefresh && expiresIn > 0) {
        // Refresh at 80 % of the lifetime so requests rarely meet an expired token; clock skew cannot bite here
        // because the lifetime is relative.
        const qint64 ms = std::max<qint64>(500, expiresIn * 800);
        m_refreshTimer->start(static_cast<int>(std::min<qint64>(ms, std::numeric_limits<int>::max())));
    }
}

void ApiClient::refreshSession()
{
    if (m_refreshing)
        return;
    if (m_refreshToken.isEmpty()) {
        ApiError error;
        error.kind = ApiError::Kind::Server;
        error.httpStatus = 401;
        error.code = QStringLiteral("invalid_token");
        error.message = QStringLiteral("You are not signed in.");
        failWaiting(error);
        return;
    }
    m_refreshing = true;
    sendAnonymous("POST", QStringLiteral("/api/v1/auth/refresh"),
                  QJsonDocument(QJsonObject{{QStringLiteral("refresh_token"), QString::fromUtf8(m_refreshToken)}}),
                  this,
                  [this](const QJsonDocument& body, int) {
                      m_refreshing = false;
                      acceptTokens(body.object(), QString());
                      if (m_accessToken.isEmpty()) {
                          ApiError error;
                          error.kind = ApiError::Kind::Protocol;
                          error.endpoint = QStringLiteral("POST /api/v1/auth/refresh");
                          error.message = QStringLiteral("The server's refresh answer has no tokens.");
                          failWaiting(error);
                          return;
                      }
                      Q_EMIT tokensRefreshed();
                      replayWaiting();
                  },
                  [this](const ApiError& error) {
                      m_refreshing = false;
                      if (error.kind != ApiError::Kind::Server) {
                          // The server is unreachable, not the session refused: keep the tokens for the next try.
                          failWaiting(error);
                          return;
                      }
                      m_accessToken.clear();
                      m_refreshToken.clear();
                      m_refreshTimer->stop();
                      ApiError expired = error;
                      expired.message = QStringLiteral("Your session has ended (%1). Sign in again to continue.")
                                            .arg(error.message);
                      failWaiting(expired);
                      Q_EMIT sessionExpired(expired);
                  });
}

void ApiClient::replayWaiting()
{
    const QList<Call> waiting = std::exchange(m_waiting, {});
    for (const Call& call : waiting)
        dispatch(call);
}

void ApiClient::failWaiting(const ApiError& error)
{
    const QList<Call> waiting = std::exchange(m_waiting, {});
    for (const Call& call : waiting) {
        if (!call.context.isNull() && call.generation == m_generation) {
            ApiError own = error;
            if (own.endpoint.isEmpty())
                own.endpoint = QString::fromLatin1(call.verb) + QLatin1Char(' ') + call.path;
            call.onError(own);
        }
    }
}

void ApiClient::logout()
{
    if (!m_refreshToken.isEmpty()) {
        // Best effort: the tokens are forgotten here whatever the server says.
        send("POST", QStringLiteral("/api/v1/auth/logout"), {},
             QJsonDocument(QJsonObject{{QStringLiteral("refresh_token"), QString::fromUtf8(m_refreshToken)}}), this,
             [](const QJsonDocument&, int) {}, [](const ApiError&) {});
    }
    clearSession();
    Q_EMIT signedOut();
}

void ApiClient::clearSession()
{
    m_refreshTimer->stop();
    m_accessToken.clear();
    m_refreshToken.clear();
    m_email.clear();
}

QString ApiClient::hostPort(const QUrl& url)
{
    return hostAndPort(url);
}

QString ApiClient::fingerprint(const QSslCertificate& certificate)
{
    const QByteArray digest = certificate.digest(QCryptographicHash::Sha256).toHex().toUpper();
    QStringList pairs;
    for (qsizetype i = 0; i + 1 < digest.size(); i += 2)
        pairs.append(QString::fromLatin1(digest.mid(i, 2)));
    return pairs.join(QLatin1Char(':'));
}

QString ApiClient::describeCertificate(const QSslCertificate& certificate)
{
    if (certificate.isNull())
        return QStringLiteral("The server presented no certificate.");
    const QLocale locale;
    return QStringLiteral("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256: %5")
        .arg(certificate.subjectDisplayName(), certificate.issuerDisplayName(),
             locale.toString(certificate.effectiveDate().toLocalTime(), QLocale::ShortFormat),
             locale.toString(certificate.expiryDate().toLocalTime(), QLocale::ShortFormat), fingerprint(certificate));
}

namespace {
QString trustKey(const QString& hostPort)
{
    return QStringLiteral("tlsTrust/") + QString::fromLatin1(hostPort.toUtf8().toHex());
}
} // namespace

void ApiClient::trustCertificate(const QString& hostPort, const QString& fingerprint)
{
    QSettings().setValue(trustKey(hostPort), fingerprint);
}

QString ApiClient::trustedFingerprint(const QString& hostPort)
{
    return QSettings().value(trustKey(hostPort)).toString();
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
