#pragma once

#include <QByteArray>

namespace authshield::server {

// Injected where tests need predictable bytes; production uses SystemRandom (the OS CSPRNG via libsodium).
class Random
{
public:
    virtual ~Random() = default;
    virtual QByteArray bytes(int n) = 0;
};

class SystemRandom final : public Random
{
public:
    QByteArray bytes(int n) override;
};

// 32 random bytes as 43 base64url characters (no padding): refresh tokens, verification and reset tokens.
QByteArray randomToken256(Random& random);
QByteArray randomToken256(); // from the system CSPRNG

} // namespace authshield::server
