#pragma once

#include <QStringList>

namespace authshield::server {

// `authshield-server <command> [options]`: parses the command line and runs one command.
// Returns the process exit code: 0 success, 1 runtime failure, 2 bad usage.
class Cli
{
public:
    static int run(const QStringList& arguments);
};

} // namespace authshield::server
