#pragma once

#include "shared/Result.h"

namespace authshield::server {

// Call once at start before any other crypto class (KeePassXC style): initialises libsodium and runs a
// self-test of every primitive we depend on. `serve` must refuse to start when it fails. Thread-safe and
// idempotent: later calls return the first result.
class CryptoRuntime
{
public:
    static Result<void> initialise();
};

} // namespace authshield::server
