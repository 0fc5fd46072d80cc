#pragma once

#include <QtGlobal>

#include <chrono>

namespace authshield::server {

struct ConnectionLimits
{
    int maxHeaderBytes = 16 * 1024;
    qint64 maxBodyBytes = 64 * 1024;
    std::chrono::milliseconds requestTimeout{10000}; // from a request's first byte until it is complete
    std::chrono::milliseconds idleTimeout{30000}; // keep-alive connection with nothing in flight
    int maxRequestsPerConnection = 10000;
};

} // namespace authshield::server
