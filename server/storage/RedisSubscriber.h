#pragma once

#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/RedisUrl.h"
#include "server/storage/RespParser.h"

#include <QSet>

#include <chrono>

class QTcpSocket;
class QTimer;

namespace authshield::server {

// Redis pub/sub on its own connection, event-driven in the thread it lives in (QTcpSocket + RESP).
// After every (re)connect it logs in, subscribes to all channels and confirms with a PING; only then does
// it report connected and emit resynchronised(). Lost connections are retried with a backoff from 100 ms
// doubling to 2 s; a heartbeat PING detects a server that stopped answering without closing the socket.
class RedisSubscriber final : public KeyValueSubscriber
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds initialBackoff{100};
    static constexpr std::chrono::milliseconds maxBackoff{2000};
    static constexpr std::chrono::milliseconds heartbeatInterval{2000};

    RedisSubscriber(RedisUrl url, std::chrono::milliseconds connectTimeout, std::chrono::milliseconds commandTimeout,
                    QByteArray prefix, QObject* parent);
    ~RedisSubscriber() override;

    void subscribe(const QByteArray& channel) override;
    void start() override;
    bool isConnected() const override { return m_connected; }

private:
    void connectToServer();
    void onConnected();
    void onReadyRead();
    void onHeartbeat();
    void handleReply(const RedisReply& reply);
    // Drops the connection and schedules the next attempt; why goes to the log (never contains secrets).
    void fail(const QString& why);
    void send(const QList<QByteArray>& argv);

    enum class Expect { Auth, Subscription, Confirmation, Pong };

    const RedisUrl m_url;
    const std::chrono::milliseconds m_connectTimeout;
    const std::chrono::milliseconds m_commandTimeout;
    const QByteArray m_prefix;
    QSet<QByteArray> m_channels; // full (prefixed) names
    QTcpSocket* m_socket;
    QTimer* m_connectTimer;
    QTimer* m_retryTimer;
    QTimer* m_heartbeatTimer;
    QTimer* m_pongTimer;
    RespParser m_parser;
    QList<Expect> m_expected; // replies owed to us, in order
    std::chrono::milliseconds m_backoff = initialBackoff;
    bool m_started = false;
    bool m_connected = false;
    bool m_failureLogged = false;
};

} // namespace authshield::server
