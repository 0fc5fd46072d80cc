#include "server/app/Cli.h"

#include <QCoreApplication>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("authshield-server"));
    return authshield::server::Cli::run(app.arguments());
}
