#include "server/core/Duration.h"

#include <array>
#include <limits>

namespace authshield::server {

namespace {

struct Unit
{
    QLatin1String suffix;
    qint64 milliseconds;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> units { {
    { QLatin1String("ms"), 1 },
    { QLatin1String("s"), 1000 },
    { QLatin1String("m"), 60 * 1000 },
    { QLatin1String("h"), 3600 * 1000 },
    { QLatin1String("d"), 24 * 3600 * 1000 },
} };

} // namespace

std::optional<std::chrono::milliseconds> Duration::parse(const QString& input)
{
    const QString text = input.trimmed().toLower();
    if (text.isEmpty() || text.size() > 64)
        return std::nullopt;

    constexpr qint64 maxMs = std::numeric_limits<qint64>::max() / 2;
    qint64 total = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qint64 number = 0;
        const qsizetype digitsStart = pos;
        while (pos < text.size() && text.at(pos).isDigit() && text.at(pos).unicode() < 128) {
            if (number > maxMs / 10)
                return std::nullopt;
            number = number * 10 + (text.at(pos).unicode() - u'0');
            ++pos;
        }
        if (pos == digitsStart)
            return std::nullopt;

        qint64 unitMs = 0;
        if (pos == text.size()) {
            // A bare number is seconds, but only on its own: "1m30" is more likely a typo than 1m30s.
            if (digitsStart != 0)
                return std::nullopt;
            unitMs = 1000;
        } else {
            for (const Unit& unit : units) {
                if (QStringView(text).mid(pos).startsWith(unit.suffix)) {
                    unitMs = unit.milliseconds;
                    pos += unit.suffix.size();
                    break;
                }
            }
            if (unitMs == 0)
                return std::nullopt;
        }
        if (number > (maxMs - total) / unitMs)
            return std::nullopt;
        total += number * unitMs;
    }
    return std::chrono::milliseconds(total);
}

QString Duration::format(std::chrono::milliseconds value)
{
    qint64 remaining = value.count();
    if (remaining == 0)
        return QStringLiteral("0");
    QString text;
    if (remaining < 0) {
        text = QStringLiteral("-");
        remaining = -remaining;
    }
    for (auto it = units.rbegin(); it != units.rend(); ++it) {
        const qint64 count = remaining / it->milliseconds;
        if (count > 0) {
            text += QString::number(count) + it->suffix;
            remaining -= count * it->milliseconds;
        }
    }
    return text;
}

} // namespace authshield::server
