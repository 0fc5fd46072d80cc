#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QString>

namespace authshield::server {

// Where a Redis server is and how to log in: redis://[[user]:password@]host[:port][/db].
struct RedisUrl
{
    QString host;
    quint16 port = 6379;
    int db = 0;
    QString username; // Redis 6 ACL user; empty = the default user
    QString password; // secret: never log it

    static Result<RedisUrl> parse(const QString& text);
    // Parses config.url and applies config.password, which wins over a password in the URL.
    static Result<RedisUrl> fromConfig(const RedisConfig& config);

    // For logs and /ready: never contains the password.
    QString displayString() const;
};

} // namespace authshield::server
