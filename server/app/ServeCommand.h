#pragma once

#include "server/core/ConfigLoader.h"

namespace authshield::server {

// `serve`: refuses unsafe production settings, prepares the data dir, starts the ServerContext and runs
// until SIGINT/SIGTERM, then shuts down in order (listeners, pool, threads).
class ServeCommand
{
public:
    static int run(LoadedConfig loaded);
};

} // namespace authshield::server
