#pragma once

#include "server/storage/DatabaseUrl.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <chrono>

class QSqlError;

namespace authshield::server {

// Every difference between SQLite and PostgreSQL lives here; nothing else asks which driver is in use.
// Both schemas store times as BIGINT epoch milliseconds, ids as UUID text, so most SQL is shared as is
// (ON CONFLICT … DO UPDATE and RETURNING work on both).
class SqlDialect
{
public:
    explicit SqlDialect(SqlBackend backend = SqlBackend::Sqlite);

    SqlBackend kind() const { return m_backend; }
    bool isPostgres() const { return m_backend == SqlBackend::Postgres; }
    QString name() const; // "sqlite" | "postgresql"
    QString driverName() const; // Qt SQL driver

    // SQLite: BEGIN IMMEDIATE takes the write lock up front, so concurrent writers wait on busy_timeout
    // instead of failing a lock upgrade halfway through. PostgreSQL: plain BEGIN.
    QString beginWriteTransaction() const;
    QString commitTransaction() const { return QStringLiteral("COMMIT"); }
    QString rollbackTransaction() const { return QStringLiteral("ROLLBACK"); }

    // Appended to a SELECT: row locks on PostgreSQL; SQLite already serialises writers (BEGIN IMMEDIATE).
    QString forUpdate() const;
    QString forUpdateSkipLocked() const;
    // "email <op> :pattern ESCAPE '\'": ILIKE on PostgreSQL, LIKE (ASCII case-insensitive) on SQLite.
    QString caseInsensitiveLike() const;
    // Escapes %, _ and \ so user input matches literally inside a LIKE pattern (ESCAPE '\').
    static QString escapeLike(const QString& text);

    // Uniform value binding/reading: PostgreSQL boolean/bytea vs SQLite INTEGER 0/1 / BLOB.
    QVariant boolValue(bool value) const;
    bool toBool(const QVariant& value) const;
    QVariant blobValue(const QByteArray& value) const;
    QByteArray toBlob(const QVariant& value) const;
    // UUID columns: PostgreSQL may hand back a QUuid; callers always see the plain lower-case form.
    QString toUuidString(const QVariant& value) const;

    // Connection setup.
    QString connectOptions(const DatabaseUrl& url, std::chrono::milliseconds connectTimeout,
                           std::chrono::milliseconds busyTimeout) const;
    QStringList sessionSetupStatements(std::chrono::milliseconds busyTimeout) const;

    // Migrations: resource sub-folder, and statements serialising concurrent migrators (empty for SQLite,
    // where each migration's BEGIN IMMEDIATE already serialises them).
    QString migrationsFolder() const;
    // Serialises appends to the audit hash chain across processes, inside the current transaction
    // (PostgreSQL: a transaction-scoped advisory lock; SQLite: empty, BEGIN IMMEDIATE already serialises).
    QString lockAuditChain() const;
    // Statements that open and close the window in which the retention prune may delete audit rows (the
    // append-only triggers of migration 0002 refuse it otherwise); inside the prune's transaction.
    QStringList beginAuditPrune() const;
    QStringList endAuditPrune() const;
    QStringList acquireMigrationLock() const;
    QStringList releaseMigrationLock() const;
    // One row (the name) when the table exists; binds :name.
    QString tableExistsQuery() const;
    // All user tables of the current schema, one name per row.
    QString listTablesQuery() const;

    // Error classification.
    // Connection gone (PostgreSQL) or database busy/locked past busy_timeout (SQLite): answer 503, retry later.
    bool isUnavailable(const QSqlError& error) const;
    bool isUniqueViolation(const QSqlError& error) const;
    bool isForeignKeyViolation(const QSqlError& error) const;

private:
    SqlBackend m_backend;
};

} // namespace authshield::server
