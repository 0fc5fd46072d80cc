#pragma once

#include "server/storage/KeyValueSubscriber.h"

#include <memory>

namespace authshield::server {

class InProcessPubSub;

// Receives InProcessKeyValueStore::publish() of the same process. Always "connected" once started.
class InProcessSubscriber final : public KeyValueSubscriber
{
    Q_OBJECT

public:
    InProcessSubscriber(std::shared_ptr<InProcessPubSub> hub, QByteArray prefix, QObject* parent);
    ~InProcessSubscriber() override;

    void subscribe(const QByteArray& channel) override;
    void start() override;
    bool isConnected() const override { return m_started; }

private:
    friend class InProcessPubSub;
    void deliver(const QByteArray& fullChannel, const QByteArray& payload);

    std::shared_ptr<InProcessPubSub> m_hub;
    QByteArray m_prefix;
    bool m_startRequested = false;
    bool m_started = false;
};

} // namespace authshield::server
