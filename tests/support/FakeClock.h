#pragma once

#include "server/core/Clock.h"

#include <atomic>
#include <chrono>

namespace authshield::test {

// A clock tests move by hand (thread-safe).
class FakeClock final : public server::Clock
{
public:
    QDateTime now() const override { return QDateTime::fromMSecsSinceEpoch(m_ms.load(), Qt::UTC); }
    void advance(std::chrono::milliseconds by) { m_ms += by.count(); }
    void set(const QDateTime& time) { m_ms = time.toMSecsSinceEpoch(); }

private:
    std::atomic<qint64> m_ms{1'700'000'000'000};
};

} // namespace authshield::test
