#pragma once

#include <QThreadPool>

#include <atomic>
#include <functional>

namespace authshield::server {

// Where slow work runs (Argon2, SMTP, exports, dependency checks), so it never blocks an HTTP thread.
// Bounded: past maxInFlight, trySubmit refuses and the caller answers 503 + Retry-After instead of queueing
// without limit. Threads never expire, so their per-thread database connections stay open.
class SlowWorkPool
{
public:
    SlowWorkPool(int threads, int maxInFlight);
    ~SlowWorkPool();

    bool trySubmit(std::function<void()> job);
    int inFlight() const { return m_inFlight.load(); }
    int maxInFlight() const { return m_maxInFlight; }
    // Drops queued jobs and waits for running ones; used at shutdown before the HTTP threads stop.
    void shutdown();

private:
    QThreadPool m_pool;
    std::atomic<int> m_inFlight{0};
    const int m_maxInFlight;
};

} // namespace authshield::server
