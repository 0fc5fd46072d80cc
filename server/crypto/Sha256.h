#pragma once

#include <QByteArray>

namespace authshield::server {

class Sha256
{
public:
    static constexpr int kSize = 32;
    static QByteArray hash(const QByteArray& data); // 32 raw bytes
};

class HmacSha256
{
public:
    static constexpr int kSize = 32;
    // Keys of any length (RFC 2104); callers choose keys of at least 32 bytes.
    static QByteArray mac(const QByteArray& key, const QByteArray& data); // 32 raw bytes
};

} // namespace authshield::server
