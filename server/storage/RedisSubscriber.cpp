#include "server/storage/RedisSubscriber.h"

#include "server/core/Log.h"

#include <QTcpSocket>
#include <QTimer>

namespace authshield::server {

namespace {

const QString component = QStringLiteral("redis-subscriber");

bool isPong(const RedisReply& reply)
{
    if (reply.type == RedisReply::Type::Status)
        return reply.string == "PONG";
    // Once subscribed, Redis answers PING with ["pong", ""].
    return reply.type == RedisReply::Type::Array && !reply.elements.isEmpty() && reply.elements.first().string == "pong";
}

} // namespace

RedisSubscriber::RedisSubscriber(RedisUrl url, std::chrono::milliseconds connectTimeout,
                                 std::chrono::milliseconds commandTimeout, QByteArray prefix, QObject* parent)
    : KeyValueSubscriber(parent)
    , m_url(std::move(url))
    , m_connectTimeout(connectTimeout)
    , m_commandTimeout(commandTimeout)
    , m_prefix(std::move(prefix))
    , m_socket(new QTcpSocket(this))
    , m_connectTimer(new QTimer(this))
    , m_retryTimer(new QTimer(this))
    , m_heartbeatTimer(new QTimer(this))
    , m_pongTimer(new QTimer(this))
{
    m_connectTimer->setSingleShot(true);
    m_retryTimer->setSingleShot(true);
    m_pongTimer->setSingleShot(true);
    m_heartbeatTimer->setInterval(heartbeatInterval);

    connect(m_socket, &QTcpSocket::connected, this, &RedisSubscriber::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisSubscriber::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this] { fail(m_socket->errorString()); });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] { fail(QStringLiteral("connection closed")); });
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no answer within %1 ms").arg(m_connectTimeout.count()));
    });
    connect(m_pongTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("heartbeat not answered within %1 ms").arg(m_commandTimeout.count()));
    });
    connect(m_retryTimer, &QTimer::timeout, this, &RedisSubscriber::connectToServer);
    connect(m_heartbeatTimer, &QTimer::timeout, this, &RedisSubscriber::onHeartbeat);
}

RedisSubscriber::~RedisSubscriber()
{
    // No signals into a half-destroyed object: the socket's disconnected() would call fail().
    m_socket->disconnect(this);
    m_socket->abort();
}

void RedisSubscriber::subscribe(const QByteArray& channel)
{
    const QByteArray full = m_prefix + channel;
    if (m_channels.contains(full))
        return;
    m_channels.insert(full);
    if (m_connected) {
        send({QByteArrayLiteral("SUBSCRIBE"), full});
        m_expected.append(Expect::Subscription);
    }
}

void RedisSubscriber::start()
{
    if (m_started)
        return;
    m_started = true;
    // Queued, so consumers may connect to the signals after calling start().
    m_retryTimer->start(0);
}

void RedisSubscriber::connectToServer()
{
    m_parser.reset();
    m_expected.clear();
    m_connectTimer->start(m_connectTimeout);
    m_socket->connectToHost(m_url.host, m_url.port);
}

void RedisSubscriber::send(const QList<QByteArray>& argv)
{
    m_socket->write(RespParser::encodeCommand(argv));
}

void RedisSubscriber::onConnected()
{
    if (!m_url.password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_url.username.isEmpty())
            auth.append(m_url.username.toUtf8());
        auth.append(m_url.password.toUtf8());
        send(auth);
        m_expected.append(Expect::Auth);
    }
    // Pub/sub channels are server-wide, not per database, so there is no SELECT here.
    if (!m_channels.isEmpty()) {
        QList<QByteArray> argv{QByteArrayLiteral("SUBSCRIBE")};
        for (const QByteArray& channel : std::as_const(m_channels)) {
            argv.append(channel);
            m_expected.append(Expect::Subscription);
        }
        send(argv);
    }
    // Its answer arrives after all of the above, so it marks "logged in and subscribed".
    send({QByteArrayLiteral("PING")});
    m_expected.append(Expect::Confirmation);
}

void RedisSubscriber::onReadyRead()
{
    m_parser.feed(m_socket->readAll());
    // Bounded by the bytes just received; stop as soon as handling a reply dropped the connection.
    while (m_socket->state() == QAbstractSocket::ConnectedState) {
        const auto reply = m_parser.next();
        if (!reply)
            break;
        handleReply(*reply);
    }
    if (m_parser.hasError())
        fail(QStringLiteral("protocol error"));
}

void RedisSubscriber::handleReply(const RedisReply& reply)
{
    // Pushed messages can arrive at any time, between the answers we wait for.
    if (reply.type == RedisReply::Type::Array && reply.elements.size() == 3 && reply.elements.at(0).string == "message") {
        const QByteArray& channel = reply.elements.at(1).string;
        if (channel.startsWith(m_prefix))
            Q_EMIT messageReceived(channel.mid(m_prefix.size()), reply.elements.at(2).string);
        return;
    }
    if (m_expected.isEmpty()) {
        fail(QStringLiteral("unexpected reply"));
        return;
    }
    const Expect expected = m_expected.takeFirst();
    if (reply.isError()) {
        const QString what = expected == Expect::Auth ? QStringLiteral("authentication failed: ") : QStringLiteral("");
        fail(what + QString::fromUtf8(reply.string));
        return;
    }
    switch (expected) {
    case Expect::Auth:
    case Expect::Subscription:
        return;
    case Expect::Confirmation:
        m_connectTimer->stop();
        m_connected = true;
        m_backoff = initialBackoff;
        if (m_failureLogged)
            Log::info(component, QStringLiteral("reconnected"), {{QStringLiteral("url"), m_url.displayString()}});
        m_failureLogged = false;
        m_heartbeatTimer->start();
        Q_EMIT connectionStateChanged(true);
        Q_EMIT resynchronised();
        return;
    case Expect::Pong:
        if (isPong(reply))
            m_pongTimer->stop();
        return;
    }
}

void RedisSubscriber::onHeartbeat()
{
    if (!m_connected || m_pongTimer->isActive())
        return;
    send({QByteArrayLiteral("PING")});
    m_expected.append(Expect::Pong);
    m_pongTimer->start(qMax(m_commandTimeout, std::chrono::milliseconds(1000)));
}

void RedisSubscriber::fail(const QString& why)
{
    if (m_retryTimer->isActive())
        return; // already failed; errorOccurred and disconnected both report one loss
    m_connectTimer->stop();
    m_pongTimer->stop();
    m_heartbeatTimer->stop();
    m_expected.clear();
    m_parser.reset();
    {
        const QSignalBlocker blocker(m_socket);
        m_socket->abort();
    }
    if (!m_failureLogged) {
        Log::warning(component, QStringLiteral("connection lost, retrying"),
                     {{QStringLiteral("url"), m_url.displayString()}, {QStringLiteral("error"), why}});
        m_failureLogged = true;
    }
    m_retryTimer->start(m_backoff);
    m_backoff = qMin(m_backoff * 2, maxBackoff);
    if (m_connected) {
        m_connected = false;
        Q_EMIT connectionStateChanged(false);
    }
}

} // namespace authshield::server
