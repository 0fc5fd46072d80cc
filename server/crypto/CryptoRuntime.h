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

    // Frees OpenSSL's state for the calling thread (error queue, DRBG). Threads that used TLS or EVP call it as
    // they end: OpenSSL's own thread-exit clean-up intermittently lost that state under ASan's leak check.
    static void releaseThreadState();
};

} // namespace authshield::server
