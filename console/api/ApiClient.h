#pragma once

#include "console/api/ApiError.h"
#include "shared/Result.h"
#include "shared/dto/Readiness.h"

#include <QJsonDocument>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslError>
#include <QUrl>
#include <QUrlQuery>

#include <chrono>
#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

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
    // A request whose access token has expired (401 invalid_token) is retried once after a refresh; requests sent
    // while a refresh is under way wait for it.
    void send(const QByteArray& verb, const QString& path, const QUrlQuery& query, const QJsonDocument& body,
              const QObject* context, JsonHandler onSuccess, ErrorHandler onError);

    // --- Session -------------------------------------------------------------------------------------------------
    // Sign in: onDone(empty) when signed in, onDone(mfaToken) when the server asks for a TOTP code (then call
    // verifyMfa). Tokens stay in memory only; signedIn is emitted on success.
    using LoginHandler = std::function<void(const QString& mfaToken)>;
    void login(const QString& email, const QString& password, const QObject* context, LoginHandler onDone,
               ErrorHandler onError);
    void verifyMfa(const QString& mfaToken, const QString& code, const QObject* context, LoginHandler onDone,
                   ErrorHandler onError);
    // Revokes the refresh token on the server (best effort) and forgets the tokens; emits signedOut.
    void logout();
    // Forgets the tokens without telling the server (a server that is gone).
    void clearSession();
    // Refreshes the token pair now (also done on its own shortly before the access token expires).
    void refreshSession();
    bool isSignedIn() const { return !m_refreshToken.isEmpty(); }
    QString signedInEmail() const { return m_email; }
    QByteArray refreshToken() const { return m_refreshToken; }
    // Tests turn it off to exercise the 401 → refresh → retry path.
    void setProactiveRefresh(bool enabled) { m_proactiveRefresh = enabled; }

    // --- TLS ----------------------------------------------------------------------------------------------------
    // Certificates the user chose to trust, per "host:port", by SHA-256 fingerprint (remembered in QSettings).
    static QString fingerprint(const QSslCertificate& certificate); // "AB:CD:…"
    static QString describeCertificate(const QSslCertificate& certificate); // subject, issuer, validity, SHA-256
    static void trustCertificate(const QString& hostPort, const QString& fingerprint);
    static QString trustedFingerprint(const QString& hostPort);
    static QString hostPort(const QUrl& url);
    // The certificate behind the last TLS failure (null when there was none).
    QSslCertificate lastRejectedCertificate() const { return m_rejectedCertificate; }

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
    void signedIn(const QString& email);
    void signedOut();
    void tokensRefreshed();
    // The refresh token was refused (expired, revoked): the user must sign in again.
    void sessionExpired(const authshield::console::ApiError& error);
    // The server's certificate is not trusted; the request failed. hostPort names the server.
    void tlsCertificateRejected(const QString& hostPort, const QSslCertificate& certificate,
                                const QList<QSslError>& errors);

private:
    struct Call
    {
        QByteArray verb;
        QString path;
        QUrlQuery query;
        QJsonDocument body;
        QPointer<QObject> context;
        JsonHandler onSuccess;
        ErrorHandler onError;
        bool authenticated = true;
        bool retried = false;
        quint64 generation = 0;
    };
    void dispatch(Call call);
    void sendAnonymous(const QByteArray& verb, const QString& path, const QJsonDocument& body, const QObject* context,
                       JsonHandler onSuccess, ErrorHandler onError);
    void acceptTokens(const QJsonObject& answer, const QString& email);
    void replayWaiting();
    void failWaiting(const ApiError& error);
    void handleLoginAnswer(const QJsonDocument& body, const QString& email, const LoginHandler& onDone,
                           const ErrorHandler& onError);

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
    QByteArray m_refreshToken;
    QString m_email;
    QString m_pendingMfaEmail;
    QTimer* m_refreshTimer;
    bool m_refreshing = false;
    bool m_proactiveRefresh = true;
    QList<Call> m_waiting; // authenticated calls parked while a refresh is under way
    QSslCertificate m_rejectedCertificate;
    std::chrono::milliseconds m_timeout{10000};
};

} // namespace authshield::console
