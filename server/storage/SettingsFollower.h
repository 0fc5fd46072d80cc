#pragma once

#include <QObject>

#include <chrono>
#include <functional>

class QTimer;

namespace authshield::server {

class KeyValueStore;
class KeyValueSubscriber;

// Keeps a cached live setting current on this instance: calls reload when any instance publishes on the
// "settings" channel, after the subscriber resynchronises (a reconnect may have missed messages) and every
// interval as a backstop. The subscriber is a child of owner; the timer is the caller's.
KeyValueSubscriber* followSettings(QObject* owner, KeyValueStore& store, QTimer& timer,
                                   std::chrono::milliseconds interval, const std::function<void()>& reload);

} // namespace authshield::server
