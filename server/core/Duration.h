#pragma once

#include <QString>

#include <chrono>
#include <optional>

namespace authshield::server {

// Durations in the config file and environment: "900" (a bare number means seconds), "30s", "15m", "2h", "7d",
// "500ms", and sums of those such as "1h30m".
class Duration
{
public:
    static std::optional<std::chrono::milliseconds> parse(const QString& text);
    // The shortest text parse() reads back as the same value: "15m", "1h30m", "500ms", "0".
    static QString format(std::chrono::milliseconds value);
};

} // namespace authshield::server
