#pragma once

#include "server/core/ConfigLoader.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace authshield::server {

// POSIX mode bits of a file (st_mode & 07777), or nullopt when it cannot be examined.
using FileModeLookup = std::function<std::optional<uint>(const QString& path)>;
std::optional<uint> fileMode(const QString& path);

// What the prod profile refuses. `serve` prints these and exits non-zero; dev and test refuse nothing.
class ProfileValidator
{
public:
    // Each problem is one sentence saying exactly what to fix. Empty for dev/test.
    static QStringList prodProblems(const LoadedConfig& loaded, const FileModeLookup& secretFileModes = fileMode);
    // Allowed but worth saying (e.g. no Redis: single instance only). Empty for dev/test.
    static QStringList prodWarnings(const LoadedConfig& loaded);
};

} // namespace authshield::server
