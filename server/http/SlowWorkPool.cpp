#include "server/http/SlowWorkPool.h"

#include <QSemaphore>

namespace authshield::server {

SlowWorkPool::SlowWorkPool(int threads, int maxInFlight)
    : m_maxInFlight(maxInFlight)
{
    m_pool.setMaxThreadCount(threads);
    m_pool.setExpiryTimeout(-1);
}

SlowWorkPool::~SlowWorkPool()
{
    shutdown();
}

bool SlowWorkPool::trySubmit(std::function<void()> job)
{
    if (m_inFlight.fetch_add(1) >= m_maxInFlight) {
        --m_inFlight;
        return false;
    }
    m_pool.start([this, job = std::move(job)] {
        job();
        --m_inFlight;
    });
    return true;
}

void SlowWorkPool::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;
    m_pool.clear();
    m_pool.waitForDone();
    if (!m_threadCleanup)
        return;
    // One blocking job per thread: none may finish before all have started, so every thread takes exactly one.
    const int threads = m_pool.maxThreadCount();
    QSemaphore arrived;
    for (int i = 0; i < threads; ++i) {
        m_pool.start([this, &arrived, threads] {
            m_threadCleanup();
            arrived.release();
            arrived.acquire(threads);
            arrived.release(threads);
        });
    }
    m_pool.waitForDone();
}

} // namespace authshield::server
