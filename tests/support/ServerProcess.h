#pragma once

#include <QByteArray>
#include <QMap>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace authshield::test {

struct CommandResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs the real authshield-server binary, as an operator would: `serve` on 127.0.0.1 with a port the
// kernel picks (read back from the "listening" log line), a fresh data dir, and the given environment.
class ServerProcess
{
public:
    explicit ServerProcess(QMap<QString, QString> env = {}, QStringList extraArguments = {});
    ~ServerProcess();

    bool start(int timeoutMs = 30000);
    int stop(int timeoutMs = 15000); // SIGTERM, then SIGKILL; returns the exit code
    void kill(); // SIGKILL: crash-safety tests
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString dataDir() const { return m_dataDir; }
    void setDataDir(const QString& dir) { m_dataDir = dir; }
    QByteArray log() const; // everything the process printed so far (JSON lines)
    QMap<QString, QString>& env() { return m_env; }

    // One-shot CLI invocation (migrate, check-config, create-admin …) with an optional stdin.
    static CommandResult runCommand(const QStringList& arguments, const QMap<QString, QString>& env,
                                    const QByteArray& input = {}, int timeoutMs = 60000);

private:
    QMap<QString, QString> m_env;
    QStringList m_extraArguments;
    std::unique_ptr<QTemporaryDir> m_ownDataDir;
    QString m_dataDir;
    std::unique_ptr<QProcess> m_process;
    mutable QByteArray m_log;
    quint16 m_port = 0;
};

// The environment every test process starts from: no AUTHSHIELD_* variable of the developer's shell leaks in.
QProcessEnvironment cleanEnvironment(const QMap<QString, QString>& env);

} // namespace authshield::test
