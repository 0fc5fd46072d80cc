#pragma once

#include "server/core/Cidr.h"
#include "server/http/HttpRequest.h"
#include "server/http/HttpResponse.h"
#include "server/http/RequestContext.h"
#include "server/http/Router.h"

#include <QList>

#include <optional>

namespace authshield::server {

// Establishes the caller from "Authorization: Bearer …" (implemented by the tokens domain).
class Authenticator
{
public:
    virtual ~Authenticator() = default;
    virtual Result<Principal> authenticate(const QByteArray& bearerToken) = 0;
};

// Answers 429 (or lets the request through) for the policies a route declares.
class RateLimitGuard
{
public:
    virtual ~RateLimitGuard() = default;
    virtual std::optional<HttpResponse> check(const HttpRequest& request, const QStringList& policies,
                                              RequestContext& context) = 0;
};

// Observes every finished request (metrics).
class RequestObserver
{
public:
    virtual ~RequestObserver() = default;
    virtual void requestFinished(const HttpRequest& request, const Route* route, int status, double milliseconds) = 0;
};

struct PipelineOptions
{
    QList<Cidr> trustedProxies;
    bool strictTransportSecurity = false; // prod
    bool accessLog = true;
};

// The cross-cutting concerns of every request, written once: request id, client address, routing,
// content type, guards (rate limit → auth → permission), then after the handler: standard headers,
// the error envelope's request id, serialisation and the access-log line. Thread-safe after set-up.
class RequestPipeline
{
public:
    RequestPipeline(const Router& router, PipelineOptions options);

    void setAuthenticator(Authenticator* authenticator) { m_authenticator = authenticator; }
    void setRateLimitGuard(RateLimitGuard* guard) { m_rateLimitGuard = guard; }
    void setObserver(RequestObserver* observer) { m_observer = observer; }

    struct Prepared
    {
        const Route* route = nullptr;
        RequestContext context;
        std::optional<HttpResponse> earlyResponse; // set when the request ends before the handler
    };
    Prepared prepare(HttpRequest& request) const;

    static HttpResponse runHandler(const Route& route, const HttpRequest& request, RequestContext& context);

    // Adds standard headers, logs, and returns the bytes to write.
    QByteArray finish(const HttpRequest& request, const Route* route, const RequestContext& context,
                      HttpResponse response) const;

    // For errors found at the socket before a request object exists (413, 431, 408, 400).
    QByteArray serialiseBareError(const Error& error, const QString& requestId) const;

    QString newRequestId() const;

private:
    QString acceptRequestId(const QByteArray& incoming) const;
    QHostAddress resolveClientAddress(const HttpRequest& request) const;
    bool isTrustedProxy(const QHostAddress& address) const;
    QByteArray serialise(const HttpRequest* request, HttpResponse& response, const QString& requestId) const;

    const Router& m_router;
    PipelineOptions m_options;
    Authenticator* m_authenticator = nullptr;
    RateLimitGuard* m_rateLimitGuard = nullptr;
    RequestObserver* m_observer = nullptr;
};

} // namespace authshield::server
