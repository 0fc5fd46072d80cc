#pragma once

#include <QString>
#include <QStringList>

namespace authshield::server {

// Splits a migration file into single statements (QSQLITE runs only the first statement of a string).
// Semicolons do not split inside '…' strings, "…" identifiers, -- and /* */ comments, PostgreSQL
// $tag$ … $tag$ bodies, or BEGIN … END blocks of CREATE statements (SQLite trigger bodies, PostgreSQL
// BEGIN ATOMIC); CASE … END is counted so it does not close such a block early.
class SqlScript
{
public:
    static QStringList split(const QString& sql);
};

} // namespace authshield::server
