#pragma once

#include "console/api/ApiError.h"
#include "shared/Result.h"
#include "shared/dto/Readiness.h"

#include <QObject>
#include <QUrl>

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

Q_SIGNALS:
    void readinessLoaded(const authshield::ReadinessReport& report);
    void requestFailed(const authshield::console::ApiError& error);

private:
    using BodyHandler = std::function<void(int httpStatus, const QByteArray& body, const QString& requestId)>;

    QUrl endpointUrl(const QString& path) const;
    void get(const QString& path, BodyHandler onAnswer);
    void finished(QNetworkReply* reply, const QString& endpoint, quint64 generation, const BodyHandler& onAnswer);
    ApiError networkError(QNetworkReply* reply, const QString& endpoint) const;
    void failLater(ApiError error);

    QNetworkAccessManager* m_network;
    QUrl m_serverUrl;
    quint64 m_generation = 0;
    std::chrono::milliseconds m_timeout{10000};
};

} // namespace authshield::console
