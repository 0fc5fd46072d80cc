#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>

namespace authshield::server {

struct HttpResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QByteArray contentType;
    bool closeConnection = false;

    static HttpResponse json(int status, const QJsonObject& object);
    static HttpResponse json(int status, const QJsonDocument& document);
    static HttpResponse noContent(int status = 204);
    static HttpResponse text(int status, const QByteArray& body, const QByteArray& contentType);
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
