#include "tests/support/TestEnvironment.h"

#include <QProcessEnvironment>

namespace authshield::test {

Backend testBackend()
{
    const QString value = QProcessEnvironment::systemEnvironment().value(QStringLiteral("AUTHSHIELD_TEST_BACKEND"));
    return value == QStringLiteral("postgres") ? Backend::Postgres : Backend::Sqlite;
}

QString serverBinaryPath()
{
    return QStringLiteral(AUTHSHIELD_SERVER_BINARY);
}

QString sourceDir()
{
    return QStringLiteral(AUTHSHIELD_SOURCE_DIR);
}

} // namespace authshield::test
