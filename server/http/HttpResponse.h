#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>

#include <functional>

namespace authshield::server {

// A body produced piece by piece and sent with Transfer-Encoding: chunked, so memory stays constant however large
// it is. Each call returns the next piece, an empty one at the end. It runs on the connection's HTTP thread as the
// client drains what was sent. An error ends the connection without the final chunk, so the client sees a
// truncated transfer rather than a complete-looking one.
using BodyStream = std::function<Result<QByteArray>()>;

struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QByteArray contentType;
    bool closeConnection = false;
    BodyStream stream; // when set, the body (after `body`, usually empty) comes from here

    static HttpResponse json(int status, const QJsonObject& object);
    static HttpResponse json(int status, const QJsonDocument& document);
    static HttpResponse noContent(int status = 204);
    static HttpResponse text(int status, const QByteArray& body, const QByteArray& contentType);
    static HttpResponse streamed(int status, const QByteArray& contentType, BodyStream stream);
    // The standard envelope {"error":{"code","message","request_id"[,"fields"]}}; request_id is filled in
    // by the pipeline, so handlers can return errors without knowing it.
    static HttpResponse error(const Error& error);
    static HttpResponse error(ErrorCode code, const QString& message);

    void setHeader(const QByteArray& name, const QByteArray& value);
    QByteArray header(const QByteArray& name) const;
    bool isError() const { return status >= 400; }
};

QByteArray httpReasonPhrase(int status);

} // namespace authshield::server
