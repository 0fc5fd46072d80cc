#include "server/storage/InProcessPubSub.h"

#include "server/storage/InProcessSubscriber.h"

namespace authshield::server {

void InProcessPubSub::add(InProcessSubscriber* subscriber)
{
    QMutexLocker locker(&m_mutex);
    m_registrations.append(Registration{subscriber, {}});
}

void InProcessPubSub::remove(InProcessSubscriber* subscriber)
{
    QMutexLocker locker(&m_mutex);
    m_registrations.removeIf([subscriber](const Registration& r) { return r.subscriber == subscriber; });
}

void InProcessPubSub::subscribe(InProcessSubscriber* subscriber, const QByteArray& fullChannel)
{
    QMutexLocker locker(&m_mutex);
    for (Registration& registration : m_registrations) {
        if (registration.subscriber == subscriber)
            registration.channels.insert(fullChannel);
    }
}

void InProcessPubSub::publish(const QByteArray& fullChannel, const QByteArray& message)
{
    // Posting under the lock is what makes removal safe: a subscriber unregisters (under this lock) before
    // it is destroyed, and events already posted to it are discarded with it.
    QMutexLocker locker(&m_mutex);
    for (const Registration& registration : std::as_const(m_registrations)) {
        if (!registration.channels.contains(fullChannel))
            continue;
        InProcessSubscriber* subscriber = registration.subscriber;
        QMetaObject::invokeMethod(
            subscriber, [subscriber, fullChannel, message] { subscriber->deliver(fullChannel, message); },
            Qt::QueuedConnection);
    }
}

} // namespace authshield::server
