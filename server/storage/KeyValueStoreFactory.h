#pragma once

#include "server/core/Config.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"

#include <memory>

namespace authshield::server {

class Clock;

// Redis when config.url is set, the in-process store otherwise. Fails only for an invalid URL; an
// unreachable Redis is reported by the calls (and /ready), not here, so the server can start before Redis.
Result<std::unique_ptr<KeyValueStore>> makeKeyValueStore(const RedisConfig& config, const Clock& clock,
                                                         QByteArray prefix = KeyValueStore::defaultPrefix());

// A subscriber for publish() messages of that store (Redis pub/sub or in-process), living in the caller's thread.
KeyValueSubscriber* makeKeyValueSubscriber(KeyValueStore& store, QObject* parent);

} // namespace authshield::server
