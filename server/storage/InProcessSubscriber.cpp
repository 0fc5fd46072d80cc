#include "server/storage/InProcessSubscriber.h"

#include "server/storage/InProcessPubSub.h"

namespace authshield::server {

InProcessSubscriber::InProcessSubscriber(std::shared_ptr<InProcessPubSub> hub, QByteArray prefix, QObject* parent)
    : KeyValueSubscriber(parent)
    , m_hub(std::move(hub))
    , m_prefix(std::move(prefix))
{
    m_hub->add(this);
}

InProcessSubscriber::~InProcessSubscriber()
{
    m_hub->remove(this);
}

void InProcessSubscriber::subscribe(const QByteArray& channel)
{
    m_hub->subscribe(this, m_prefix + channel);
}

void InProcessSubscriber::start()
{
    if (m_startRequested)
        return;
    m_startRequested = true;
    // Queued, like the Redis subscriber, so consumers may connect to the signals after calling start().
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_started = true;
            Q_EMIT connectionStateChanged(true);
            Q_EMIT resynchronised();
        },
        Qt::QueuedConnection);
}

void InProcessSubscriber::deliver(const QByteArray& fullChannel, const QByteArray& payload)
{
    if (!m_started || !fullChannel.startsWith(m_prefix))
        return;
    Q_EMIT messageReceived(fullChannel.mid(m_prefix.size()), payload);
}

} // namespace authshield::server
