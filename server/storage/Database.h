#pragma once

#include "server/core/Config.h"
#include "server/storage/DatabaseUrl.h"
#include "server/storage/SqlDialect.h"
#include "shared/Result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <chrono>
#include <functional>
#include <optional>

class QSqlError;

namespace authshield::server {

class SqlQuery;

// The application's database: SQLite (WAL) or PostgreSQL, chosen by the URL.
//
// QtSql connections are bound to the thread that opened them, so every thread gets its own, opened
// lazily on first use with the same session settings, and removed when that thread ends (or, for the
// calling thread, when the Database is destroyed). A connection found broken (server restarted) is
// reopened on the next use outside a transaction.
//
// Each thread connection keeps its prepared DML statements (keyed by SQL text, at most
// kStatementCacheSize) for reuse: on PostgreSQL a fresh QSqlQuery costs PREPARE + EXECUTE + DEALLOCATE,
// a reused one EXECUTE only. A statement is taken out of the cache while a SqlQuery uses it (nested use
// of one SQL text gets its own), finished when handed back, and the cache is dropped on reconnect.
//
// open() must be called once, before other threads use the object; afterwards every const method is
// thread-safe.
class Database
{
public:
    Database(const DatabaseConfig& config, const QString& dataDir);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Validates the URL and connects once (SQLite: creates the directory and file, enables WAL).
    Result<void> open();

    // The calling thread's connection (opened if needed; may be closed if the server is unreachable —
    // queries on it then fail with ServiceUnavailable). Do not keep copies beyond the current call chain.
    QSqlDatabase connection() const;
    // This thread's connection name (diagnostics and tests).
    QString connectionName() const;

    // SELECT 1 round trip on this thread's connection; reconnects once when it fails, so /ready recovers
    // by itself after a database restart. ServiceUnavailable when the database cannot be reached.
    Result<std::chrono::microseconds> ping() const;

    const SqlDialect& dialect() const { return m_dialect; }
    const DatabaseConfig& config() const { return m_config; }
    // URL without password, for logs.
    QString describe() const;

    // Parameterised statement on this thread's connection: db.prepare(sql).bind(":x", v).exec().
    SqlQuery prepare(const QString& sql) const;
    // Closes the calling thread's connection now. A thread that ends while the process may be exiting calls it
    // last thing: thread_local clean-up runs after QThread::wait() has returned, when Qt SQL may be gone.
    void releaseThreadConnection() const;
    // Whether the calling thread has a Transaction open (services join it instead of opening their own).
    bool inTransaction() const;

    // One statement without parameters (DDL, BEGIN/COMMIT, PRAGMA).
    Result<void> exec(const QString& sql) const;

    // Maps a driver error to Error{ServiceUnavailable} (connection lost / busy), Error{Conflict} (unique
    // violation) or Error{Internal}. The message names the statement, never bound values. A lost
    // connection is reopened on the next use.
    Error toError(const QSqlError& error, const QString& sql) const;

    // Called for every database error (metrics). Set once, before other threads use the database.
    void setErrorHook(std::function<void()> hook) { m_errorHook = std::move(hook); }

private:
    friend class Transaction;
    friend class SqlQuery;

    static constexpr int kStatementCacheSize = 256;

    Result<QSqlDatabase> threadConnection(bool forceReconnect) const;
    // A cached prepared statement for sql on this thread's current connection, if any; generation identifies
    // the connection it belongs to.
    std::optional<QSqlQuery> takeStatement(const QString& sql, quint64& generation) const;
    quint64 connectionGeneration() const;
    // Hands a statement back after use (finished here); dropped when the connection changed meanwhile.
    void returnStatement(const QString& sql, QSqlQuery&& query, quint64 generation) const;
    Result<void> openConnection(QSqlDatabase& db) const;
    void setInTransaction(bool inTransaction) const;
    bool isConnectionLost() const;

    const quint64 m_id;
    const DatabaseConfig m_config;
    const QString m_dataDir;
    Result<DatabaseUrl> m_url;
    SqlDialect m_dialect;
    std::function<void()> m_errorHook;
};

} // namespace authshield::server
