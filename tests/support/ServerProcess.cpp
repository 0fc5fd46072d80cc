#include "tests/support/ServerProcess.h"

#include "tests/support/TestEnvironment.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>

#include <csignal>

namespace authshield::test {

QProcessEnvironment cleanEnvironment(const QMap<QString, QString>& env)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString& key : environment.keys()) {
        if (key.startsWith(QLatin1String("AUTHSHIELD_")))
            environment.remove(key);
    }
    // The server binary is built with sanitizers too; leak reports at exit would fail a passing test run.
    environment.insert(QStringLiteral("ASAN_OPTIONS"), QStringLiteral("detect_leaks=1:halt_on_error=1"));
    for (auto it = env.begin(); it != env.end(); ++it)
        environment.insert(it.key(), it.value());
    return environment;
}

ServerProcess::ServerProcess(QMap<QString, QString> env, QStringList extraArguments)
    : m_env(std::move(env))
    , m_extraArguments(std::move(extraArguments))
{
}

ServerProcess::~ServerProcess()
{
    if (isRunning())
        stop();
}

bool ServerProcess::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QByteArray ServerProcess::log() const
{
    if (m_process)
        m_log += m_process->readAll();
    return m_log;
}

bool ServerProcess::start(int timeoutMs)
{
    if (m_dataDir.isEmpty()) {
        m_ownDataDir = std::make_unique<QTemporaryDir>();
        m_dataDir = m_ownDataDir->path();
    }
    QMap<QString, QString> env = m_env;
    if (!env.contains(QStringLiteral("AUTHSHIELD_HTTP_LISTEN")))
        env.insert(QStringLiteral("AUTHSHIELD_HTTP_LISTEN"), QStringLiteral("127.0.0.1:0"));
    if (!env.contains(QStringLiteral("AUTHSHIELD_ENV")))
        env.insert(QStringLiteral("AUTHSHIELD_ENV"), QStringLiteral("test"));
    log(); // keep what a previous run printed, but look for the new run's "listening" line only
    const qsizetype previousRun = m_log.size();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setProcessEnvironment(cleanEnvironment(env));
    m_process->start(serverBinaryPath(),
                     QStringList{QStringLiteral("serve"), QStringLiteral("--data-dir"), m_dataDir} + m_extraArguments);
    if (!m_process->waitForStarted(5000))
        return false;
    m_port = 0;
    QDeadlineTimer deadline(timeoutMs);
    qsizetype scanned = previousRun;
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        m_process->waitForReadyRead(100);
        log();
        qsizetype newline;
        while ((newline = m_log.indexOf('\n', scanned)) >= 0) {
            const QJsonObject line = QJsonDocument::fromJson(m_log.mid(scanned, newline - scanned)).object();
            scanned = newline + 1;
            if (line.value(QStringLiteral("msg")).toString() == QLatin1String("listening")) {
                m_port = static_cast<quint16>(line.value(QStringLiteral("port")).toInt());
                return m_port != 0;
            }
        }
    }
    log();
    return false;
}

int ServerProcess::stop(int timeoutMs)
{
    if (!m_process)
        return -1;
    if (m_process->state() != QProcess::NotRunning) {
        ::kill(static_cast<pid_t>(m_process->processId()), SIGTERM);
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    log();
    return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
}

void ServerProcess::kill()
{
    if (!isRunning())
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    log();
}

CommandResult ServerProcess::runCommand(const QStringList& arguments, const QMap<QString, QString>& env,
                                        const QByteArray& input, int timeoutMs)
{
    QProcess process;
    process.setProcessEnvironment(cleanEnvironment(env));
    process.start(serverBinaryPath(), arguments);
    CommandResult result;
    if (!process.waitForStarted(5000))
        return result;
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace authshield::test
