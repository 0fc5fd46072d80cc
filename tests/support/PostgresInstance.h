#pragma once

#include <QString>
#include <QStringList>

namespace authshield::test {

// A throw-away PostgreSQL 15 server for one test process: fresh cluster in a temp dir, trust auth,
// fsync off, listening on a free 127.0.0.1 port (unix socket inside the temp dir). Runs as the
// `postgres` system user when the tests run as root (PostgreSQL refuses root).
//
// A detached watchdog shell polls the test process and, once it is gone (crash, ASan abort, kill -9),
// stops the server and deletes the directory, so nothing outlives the test.
class PostgresInstance
{
public:
    PostgresInstance();
    ~PostgresInstance();
    PostgresInstance(const PostgresInstance&) = delete;
    PostgresInstance& operator=(const PostgresInstance&) = delete;

    // First call: initdb + start; later calls: start the same cluster again. Waits (≤ 30 s) until it
    // accepts connections. On failure lastError() says why (with the server log's tail).
    bool start();
    // Immediate shutdown (clients see their connections drop); data stays for restart().
    void stop();
    // Same data, same port.
    bool restart();
    bool isRunning() const { return m_running; }

    // CREATE DATABASE name; returns its URL ("" on failure, see lastError()).
    QString createDatabase(const QString& name);
    QString url(const QString& database) const;
    quint16 port() const { return m_port; }
    QString superuser() const { return QStringLiteral("postgres"); }
    QString lastError() const { return m_lastError; }

private:
    bool initialise();
    bool run(const QString& program, const QStringList& arguments, int timeoutMs, bool asPostgresUser);
    QString binary(const QString& name) const;
    QString logTail() const;

    QString m_dir;
    quint16 m_port = 0;
    qint64 m_watchdogPid = 0;
    bool m_initialised = false;
    bool m_running = false;
    QString m_lastError;
};

} // namespace authshield::test
