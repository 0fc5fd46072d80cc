#include "server/sessions/DeviceLabel.h"

#include <QLatin1String>

#include <array>
#include <utility>

namespace authshield::server {

namespace {
using Marker = std::pair<QLatin1String, QLatin1String>; // substring → name; first match wins, so order matters

constexpr std::array kBrowsers = {
    Marker{QLatin1String("Edg/"), QLatin1String("Edge")},
    Marker{QLatin1String("OPR/"), QLatin1String("Opera")},
    Marker{QLatin1String("Firefox/"), QLatin1String("Firefox")},
    Marker{QLatin1String("Chromium/"), QLatin1String("Chromium")},
    Marker{QLatin1String("Chrome/"), QLatin1String("Chrome")},
    Marker{QLatin1String("Safari/"), QLatin1String("Safari")},
    Marker{QLatin1String("curl/"), QLatin1String("curl")},
    Marker{QLatin1String("Wget/"), QLatin1String("Wget")},
    Marker{QLatin1String("python-requests/"), QLatin1String("Python")},
    Marker{QLatin1String("okhttp/"), QLatin1String("OkHttp")},
    Marker{QLatin1String("AuthShield-Console"), QLatin1String("AuthShield Console")},
};

constexpr std::array kSystems = {
    Marker{QLatin1String("Windows"), QLatin1String("Windows")},
    Marker{QLatin1String("Android"), QLatin1String("Android")},
    Marker{QLatin1String("iPhone"), QLatin1String("iOS")},
    Marker{QLatin1String("iPad"), QLatin1String("iPadOS")},
    Marker{QLatin1String("CrOS"), QLatin1String("ChromeOS")},
    Marker{QLatin1String("Mac OS X"), QLatin1String("macOS")},
    Marker{QLatin1String("Macintosh"), QLatin1String("macOS")},
    Marker{QLatin1String("Linux"), QLatin1String("Linux")},
    Marker{QLatin1String("FreeBSD"), QLatin1String("FreeBSD")},
};

template<typename Table> QString find(const Table& table, const QString& text)
{
    for (const Marker& marker : table) {
        if (text.contains(marker.first))
            return marker.second;
    }
    return {};
}
} // namespace

QString DeviceLabel::fromUserAgent(const QString& userAgent)
{
    const QString browser = find(kBrowsers, userAgent);
    const QString system = find(kSystems, userAgent);
    if (!browser.isEmpty() && !system.isEmpty())
        return browser + QStringLiteral(" on ") + system;
    if (!browser.isEmpty())
        return browser;
    if (!system.isEmpty())
        return system;
    return QStringLiteral("Unknown device");
}

} // namespace authshield::server
