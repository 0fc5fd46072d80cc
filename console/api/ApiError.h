#pragma once

#include <QByteArray>
#include <QMap>
#include <QMetaType>
#include <QString>

namespace authshield::console {

// Why a request failed, in words a user can act on. Network failures carry no code; server errors carry the
// envelope's code, message and request id so the user can quote the id to an operator.
struct ApiError
{
    enum class Kind {
        InvalidUrl, // the server URL cannot be used
        Network, // no answer: refused, unreachable, TLS, closed
        Timeout, // connected, but no complete answer in time
        Server, // the server answered with an error (envelope or plain HTTP status)
        Protocol, // the server answered 2xx with something the console does not understand
    };

    Kind kind = Kind::Network;
    QString endpoint; // "GET /ready": which request failed
    int httpStatus = 0; // 0 when there was no HTTP answer
    QString code; // envelope code ("not_found"); empty when there was none
    QString message; // human sentence, always set
    QString requestId; // empty when the server never saw the request
    QMap<QString, QString> fields;

    // An HTTP error answer: the envelope when the body is one, otherwise the status line in words.
    // requestIdHeader is X-Request-Id, used when the body has no request_id (e.g. a proxy's page).
    static ApiError fromHttp(const QString& endpoint, int httpStatus, const QByteArray& body,
                             const QString& requestIdHeader);

    // "message (request id: …)": what the console shows.
    QString displayText() const;
};

} // namespace authshield::console

Q_DECLARE_METATYPE(authshield::console::ApiError)
