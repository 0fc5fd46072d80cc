#include "server/storage/KeyValueStoreFactory.h"

#include "server/storage/InProcessKeyValueStore.h"
#include "server/storage/InProcessSubscriber.h"
#include "server/storage/RedisKeyValueStore.h"
#include "server/storage/RedisSubscriber.h"

namespace authshield::server {

Result<std::unique_ptr<KeyValueStore>> makeKeyValueStore(const RedisConfig& config, const Clock& clock,
                                                         QByteArray prefix)
{
    if (config.url.trimmed().isEmpty())
        return std::unique_ptr<KeyValueStore>(std::make_unique<InProcessKeyValueStore>(clock, std::move(prefix)));
    auto url = RedisUrl::fromConfig(config);
    if (!url)
        return url.error();
    return std::unique_ptr<KeyValueStore>(std::make_unique<RedisKeyValueStore>(
        std::move(url).value(), config.connectTimeout, config.commandTimeout, std::move(prefix)));
}

KeyValueSubscriber* makeKeyValueSubscriber(KeyValueStore& store, QObject* parent)
{
    if (auto* redis = dynamic_cast<RedisKeyValueStore*>(&store))
        return new RedisSubscriber(redis->url(), redis->connectTimeout(), redis->commandTimeout(), redis->prefix(),
                                   parent);
    auto& inProcess = dynamic_cast<InProcessKeyValueStore&>(store);
    return new InProcessSubscriber(inProcess.pubSub(), inProcess.prefix(), parent);
}

} // namespace authshield::server
