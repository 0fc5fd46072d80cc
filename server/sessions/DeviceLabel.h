#pragma once

#include <QString>

namespace authshield::server {

// A short, human label for a User-Agent ("Firefox on Linux", "Safari on iOS", "curl"), shown in session lists
// so people recognise their devices. Deliberately coarse: no versions, no fingerprinting detail.
class DeviceLabel
{
public:
    static QString fromUserAgent(const QString& userAgent);
};

} // namespace authshield::server
