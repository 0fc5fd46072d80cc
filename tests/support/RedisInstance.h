#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace authshield::test {

// A real, throw-away redis-server 7 on a free 127.0.0.1 port. A shell watchdog next to it kills it (and
// removes its directory) once the test process is gone, even after a crash or kill -9.
class RedisInstance
{
public:
    explicit RedisInstance(QString password = {});
    ~RedisInstance();
    RedisInstance(const RedisInstance&) = delete;
    RedisInstance& operator=(const RedisInstance&) = delete;

    // Starts and waits (bounded) until the server answers PING. Keeps the port across restarts.
    bool start();
    void stop();
    bool restart();
    // SIGSTOP/SIGCONT: the server keeps its socket but stops answering (the "hung server" case).
    void pause();
    void resume();

    bool isRunning() const;
    quint16 port() const { return m_port; }
    QString password() const { return m_password; }
    // redis://127.0.0.1:PORT/0 (no password: pass it separately, like RedisConfig::password).
    QString url() const;
    QString lastError() const { return m_lastError; }

private:
    bool waitUntilAnswering();

    QString m_password;
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_watchdog;
    qint64 m_serverPid = 0;
    bool m_paused = false;
    QString m_lastError;
};

} // namespace authshield::test
