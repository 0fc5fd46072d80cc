#include "server/core/Config.h"

namespace authshield::server {

QString profileName(Profile profile)
{
    switch (profile) {
    case Profile::Dev:
        return QStringLiteral("dev");
    case Profile::Test:
        return QStringLiteral("test");
    case Profile::Prod:
        return QStringLiteral("prod");
    }
    return QStringLiteral("dev");
}

std::optional<Profile> parseProfile(const QString& name)
{
    for (Profile profile : {Profile::Dev, Profile::Test, Profile::Prod}) {
        if (name == profileName(profile))
            return profile;
    }
    return std::nullopt;
}

} // namespace authshield::server
