#pragma once

#include <QByteArray>
#include <QObject>

namespace authshield::server {

// Receives KeyValueStore::publish() messages (cross-instance revocation push). Event-driven in the thread it
// lives in. Because messages published while disconnected are lost, consumers reload their state from the
// store on resynchronised(), which is emitted after the first subscription and after every reconnect.
class KeyValueSubscriber : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Channel without the store prefix. May be called before or after start().
    virtual void subscribe(const QByteArray& channel) = 0;
    // Starts delivering (connects, for Redis). Call once after the initial subscribe() calls.
    virtual void start() = 0;
    virtual bool isConnected() const = 0;

Q_SIGNALS:
    void messageReceived(const QByteArray& channel, const QByteArray& payload);
    void connectionStateChanged(bool connected);
    void resynchronised();
};

} // namespace authshield::server
