#pragma once

#include "console/api/ApiError.h"
#include "shared/Result.h"
#include "shared/dto/Readiness.h"

#include <QJsonDocument>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>

#include <chrono>
#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace authshield::console {

// The console's only door to the server: builds every URL and reads every answer into shared DTOs.
// Asynchronous; each fetch ends in exactly one signal (…Loaded or requestFailed). Answers to requests sent
// before the server URL changed are dropped, so a slow old server never overwrites the new one's state.
class ApiClient : public QObject
{
    Q_OBJECT

public:
    explicit ApiClient(QObject* parent);

    // Accepts what a user types: "http://host:port[/prefix]", or "host:port" (http assumed).
    static Result<QUrl> parseServerUrl(const QString& text);

    void setServerUrl(const QUrl& url);
    QUrl serverUrl() const { return m_serverUrl; }
    void setTransferTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    void fetchReadiness(); // GET /ready → readinessLoaded (also when the server is not ready) or requestFailed

    // The Bearer token sent with every send(); empty = anonymous.
    void setAccessToken(const QByteArray& token) { m_accessToken = token; }
    QByteArray accessToken() const { return m_accessToken; }

    // One JSON request: exactly one of onSuccess / onError runs, later, in this thread (never inside send()).
    // onSuccess gets the parsed body (an empty document for 204) and the HTTP status; onError gets the envelope
    // in words. Both are dropped when the server URL changes first. `context` bounds the callbacks' lifetime:
    // when it is destroyed first (a closed screen), nothing runs.
    using JsonHandler = std::function<void(const QJsonDocument& body, int httpStatus)>;
    using ErrorHandler = std::function<void(const ApiError& error)>;
    void send(const QByteArray& verb, const QString& path, const QUrlQuery& query, const QJsonDocument& body,
              const QObject* context, JsonHandler onSuccess, ErrorHandler onError);

    // A GET whose 2xx body is handed over piece by piece as it arrives, so an export of any size needs constant
    // memory. onChunk runs for each piece, then exactly one of onFinished / onError (an error answer is read
    // whole, for its envelope). cancelStream() stops it: nothing more runs.
    using ChunkHandler = std::function<void(const QByteArray& chunk)>;
    QNetworkReply* stream(const QString& path, const QUrlQuery& query, const QObject* context, ChunkHandler onChunk,
                          std::function<void()> onFinished, ErrorHandler onError);
    static void cancelStream(QNetworkReply* reply);

Q_SIGNALS:
    void readinessLoaded(const authshield::ReadinessReport& report);
    void requestFailed(const authshield::console::ApiError& error);

private:
    using BodyHandler = std::function<void(int httpStatus, const QByteArray& body, const QString& requestId)>;

    QUrl endpointUrl(const QString& path) const;
    void get(const QString& path, BodyHandler onAnswer);
    bool refuseWithoutServer(const QString& endpoint, const QObject* context, const ErrorHandler& onError);
    void finished(QNetworkReply* reply, const QString& endpoint, quint64 generation, const BodyHandler& onAnswer);
    ApiError networkError(QNetworkReply* reply, const QString& endpoint) const;
    void failLater(ApiError error);

    QNetworkAccessManager* m_network;
    QUrl m_serverUrl;
    quint64 m_generation = 0;
    QByteArray m_accessToken;
    std::chrono::milliseconds m_timeout{10000};
};

} // namespace authshield::console
