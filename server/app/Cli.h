#pragma once

#include <QStringList>

namespace authshield::server {

// `authshield-server <command> [options]`: parses the command line and runs one command.
// Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage.
class Cli
{
public:
    static int run(const QStringList& arguments);
};

} // namespace authshield::server
