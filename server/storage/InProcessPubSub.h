#pragma once

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QSet>

namespace authshield::server {

class InProcessSubscriber;

// The in-process stand-in for Redis pub/sub: InProcessKeyValueStore::publish() hands messages to every
// subscriber registered here, queued to the subscriber's own thread. Shared (std::shared_ptr) by the
// store and its subscribers, so neither has to outlive the other.
class InProcessPubSub
{
public:
    void add(InProcessSubscriber* subscriber);
    void remove(InProcessSubscriber* subscriber);
    void subscribe(InProcessSubscriber* subscriber, const QByteArray& fullChannel);
    void publish(const QByteArray& fullChannel, const QByteArray& message);

private:
    struct Registration
    {
        InProcessSubscriber* subscriber = nullptr;
        QSet<QByteArray> channels;
    };
    QMutex m_mutex;
    QList<Registration> m_registrations;
};

} // namespace authshield::server
