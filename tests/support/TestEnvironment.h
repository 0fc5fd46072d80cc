#pragma once

#include <QString>

namespace authshield::test {

enum class Backend { Sqlite, Postgres };

// Which storage back-end this run of an integration test uses (CTest sets AUTHSHIELD_TEST_BACKEND).
Backend testBackend();
QString serverBinaryPath();
QString sourceDir();

} // namespace authshield::test
