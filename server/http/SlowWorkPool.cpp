#include "server/http/SlowWorkPool.h"

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
    m_pool.clear();
    m_pool.waitForDone();
}

} // namespace authshield::server
