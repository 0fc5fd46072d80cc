#include "server/app/Cli.h"

#include "shared/Version.h"

#include <cstdio>

namespace authshield::server {

int Cli::run(const QStringList& arguments)
{
    if (arguments.contains(QStringLiteral("--version"))) {
        std::printf("authshield-server %s\n", qPrintable(versionString()));
        return 0;
    }
    std::fprintf(stderr, "usage: authshield-server serve|migrate|check-config|--version|--help\n");
    return 2;
}

} // namespace authshield::server
