#pragma once

#include <QString>

namespace authshield {

inline QString versionString()
{
    return QStringLiteral(AUTHSHIELD_VERSION);
}

} // namespace authshield
