#pragma once

#include <QDateTime>

namespace authshield::server {

// Injected everywhere time matters, so tests advance a fake clock instead of sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const = 0; // UTC
};

class SystemClock final : public Clock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

} // namespace authshield::server
