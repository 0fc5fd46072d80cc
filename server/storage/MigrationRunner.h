#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace authshield::server {

class Database;

struct Migration
{
    int version = 0; // NNNN
    QString name; // after the number: "initial"
    QString checksum; // sha256 hex of the file as shipped
    QString sql;

    QString id() const; // "0001_initial"
};

// Applies the SQL files shipped in the binary (":/migrations/<sqlite|postgres>/NNNN_name.sql", same
// numbering in both folders) and records each in schema_migrations(version, name, checksum, applied_at).
class MigrationRunner
{
public:
    // root holds the per-dialect folders; tests point it at a directory with altered migration sets.
    explicit MigrationRunner(const Database& db, QString root = QStringLiteral(":/migrations"));

    // The migrations this binary ships for the database's dialect, ordered by version.
    Result<QList<Migration>> available() const;
    // Not yet applied (for `migrate --dry-run`); changes nothing. Fails like verify() would.
    Result<QList<Migration>> pending() const;
    // verify(), then applies each pending migration in its own transaction together with its
    // schema_migrations row; returns what it applied (empty when up to date). On PostgreSQL an advisory
    // lock makes concurrently starting processes take turns; each re-checks what is left to do.
    Result<QList<Migration>> apply() const;
    // Refuses a database whose recorded migrations differ from this binary's files, or that has versions
    // this binary does not know (it is newer). A database without schema_migrations passes.
    Result<void> verify() const;
    // Highest applied version, 0 for an empty database.
    Result<int> currentVersion() const;

private:
    struct Applied
    {
        int version = 0;
        QString name;
        QString checksum;
    };
    Result<QList<Applied>> applied() const;
    Result<void> ensureTable() const;
    Result<void> check(const QList<Migration>& known, const QList<Applied>& done) const;
    Result<bool> applyOne(const Migration& migration) const;

    const Database& m_db;
    QString m_root;
};

} // namespace authshield::server
