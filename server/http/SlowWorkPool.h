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
    // Runs on each pool thread at shutdown (releases per-thread database connections before the threads end:
    // thread_local clean-up would run after waitForDone() returned, racing the rest of the shutdown).
    void setThreadCleanup(std::function<void()> cleanup) { m_threadCleanup = std::move(cleanup); }
    // Drops queued jobs, waits for running ones, runs the thread clean-up once on every pool thread.
    void shutdown();

private:
    QThreadPool m_pool;
    std::atomic<int> m_inFlight{0};
    const int m_maxInFlight;
    std::function<void()> m_threadCleanup;
    bool m_shutDown = false;
};

} // namespace authshield::server
