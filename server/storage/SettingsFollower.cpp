#include "server/storage/SettingsFollower.h"

#include "server/storage/KeyValueStoreFactory.h"
#include "server/storage/KeyValueSubscriber.h"

#include <QTimer>

namespace authshield::server {

KeyValueSubscriber* followSettings(QObject* owner, KeyValueStore& store, QTimer& timer,
                                   std::chrono::milliseconds interval, const std::function<void()>& reload)
{
    KeyValueSubscriber* subscriber = makeKeyValueSubscriber(store, owner);
    subscriber->subscribe(QByteArrayLiteral("settings"));
    QObject::connect(subscriber, &KeyValueSubscriber::messageReceived, owner,
                     [reload](const QByteArray&, const QByteArray&) { reload(); });
    QObject::connect(subscriber, &KeyValueSubscriber::resynchronised, owner, reload);
    subscriber->start();
    timer.setInterval(interval);
    QObject::connect(&timer, &QTimer::timeout, owner, reload);
    timer.start();
    return subscriber;
}

} // namespace authshield::server
