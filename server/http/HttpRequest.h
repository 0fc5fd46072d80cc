#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace authshield::server {

enum class HttpMethod { Get, Head, Post, Put, Patch, Delete, Options, Other };

QString httpMethodName(HttpMethod method);

// Our own copy of a request. QHttpServerRequest is reused per connection in Qt 6.4, so anything a slow
// handler needs after the route returned must be copied out first; handlers only ever see this struct.
struct HttpRequest
{
    HttpMethod method = HttpMethod::Other;
    QString path; // decoded path, no query
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased, order kept
    QByteArray body;
    QHostAddress peerAddress; // the TCP peer
    QHostAddress clientAddress; // after trusted-proxy resolution
    QString requestId;
    QHash<QString, QString> pathParams; // from {placeholders} of the matched route
    QElapsedTimer received; // started when the request reached the pipeline

    QByteArray header(const QByteArray& lowerCaseName) const;
    int headerCount(const QByteArray& lowerCaseName) const;
    QString pathParam(const QString& name) const { return pathParams.value(name); }
    QString userAgent() const { return QString::fromUtf8(header(QByteArrayLiteral("user-agent"))).left(512); }
};

} // namespace authshield::server
