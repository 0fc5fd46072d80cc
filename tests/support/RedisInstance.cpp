#include "tests/support/RedisInstance.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <sys/types.h>

namespace authshield::test {

namespace {

// $1 = data dir, $2 = test pid, rest = redis-server and its arguments. Prints the server pid first.
const QString watchdogScript = QStringLiteral(
    "dir=\"$1\"; tp=\"$2\"; shift 2\n"
    "mkdir -p \"$dir\"\n"
    "\"$@\" & rp=$!\n"
    "echo \"$rp\"\n"
    "while kill -0 \"$tp\" 2>/dev/null && kill -0 \"$rp\" 2>/dev/null; do sleep 0.5; done\n"
    "kill -9 \"$rp\" 2>/dev/null\n"
    "wait \"$rp\" 2>/dev/null\n"
    "rm -rf \"$dir\"\n");

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

RedisInstance::RedisInstance(QString password)
    : m_password(std::move(password))
{
}

RedisInstance::~RedisInstance()
{
    stop();
}

QString RedisInstance::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_port);
}

bool RedisInstance::isRunning() const
{
    return m_watchdog && m_watchdog->state() == QProcess::Running && m_serverPid > 0;
}

bool RedisInstance::start()
{
    if (isRunning())
        return true;
    if (!m_dir.isValid()) {
        m_lastError = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    const QString server = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (server.isEmpty()) {
        m_lastError = QStringLiteral("redis-server not found in PATH");
        return false;
    }
    if (m_port == 0)
        m_port = freePort();
    const QString dataDir = m_dir.path(); // the watchdog removes it when the server is gone
    QStringList arguments{QStringLiteral("-c"), watchdogScript, QStringLiteral("sh"), dataDir,
                          QString::number(QCoreApplication::applicationPid()), server,
                          QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--port"), QString::number(m_port),
                          QStringLiteral("--save"), QString(),
                          QStringLiteral("--appendonly"), QStringLiteral("no"),
                          QStringLiteral("--protected-mode"), QStringLiteral("yes"),
                          QStringLiteral("--dir"), dataDir,
                          QStringLiteral("--logfile"), dataDir + QStringLiteral("/redis.log")};
    if (!m_password.isEmpty())
        arguments << QStringLiteral("--requirepass") << m_password;

    m_watchdog = std::make_unique<QProcess>();
    m_watchdog->setProcessChannelMode(QProcess::SeparateChannels);
    m_watchdog->start(QStringLiteral("/bin/sh"), arguments);
    if (!m_watchdog->waitForStarted(5000)) {
        m_lastError = QStringLiteral("cannot start /bin/sh: ") + m_watchdog->errorString();
        m_watchdog.reset();
        return false;
    }
    const QDeadlineTimer deadline(5000);
    while (!m_watchdog->canReadLine() && !deadline.hasExpired() && m_watchdog->state() == QProcess::Running)
        m_watchdog->waitForReadyRead(100);
    m_serverPid = m_watchdog->readLine().trimmed().toLongLong();
    if (m_serverPid <= 0) {
        m_lastError = QStringLiteral("redis-server did not start");
        stop();
        return false;
    }
    m_paused = false;
    if (!waitUntilAnswering()) {
        stop();
        return false;
    }
    return true;
}

bool RedisInstance::waitUntilAnswering()
{
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_watchdog->state() != QProcess::Running) {
            m_lastError = QStringLiteral("redis-server exited during start (port %1 taken?)").arg(m_port);
            return false;
        }
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(200)) {
            socket.write("PING\r\n");
            QByteArray answer;
            const QDeadlineTimer replyDeadline(1000);
            while (!answer.contains("\r\n") && !replyDeadline.hasExpired() && socket.waitForReadyRead(100))
                answer += socket.readAll();
            // With requirepass an unauthenticated PING is refused, which still proves the server is serving.
            if (answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"))
                return true;
        }
        QThread::msleep(50); // polling an external process: there is no signal to wait for
    }
    m_lastError = QStringLiteral("redis-server did not answer PING within 10 s");
    return false;
}

void RedisInstance::stop()
{
    if (!m_watchdog)
        return;
    if (m_serverPid > 0) {
        if (m_paused)
            ::kill(static_cast<pid_t>(m_serverPid), SIGCONT);
        ::kill(static_cast<pid_t>(m_serverPid), SIGTERM);
    }
    // The watchdog notices within 0.5 s that the server is gone, cleans up and exits.
    if (!m_watchdog->waitForFinished(10000)) {
        if (m_serverPid > 0)
            ::kill(static_cast<pid_t>(m_serverPid), SIGKILL);
        m_watchdog->kill();
        m_watchdog->waitForFinished(5000);
    }
    m_watchdog.reset();
    m_serverPid = 0;
    m_paused = false;
}

bool RedisInstance::restart()
{
    stop();
    return start();
}

void RedisInstance::pause()
{
    if (m_serverPid > 0 && !m_paused) {
        ::kill(static_cast<pid_t>(m_serverPid), SIGSTOP);
        m_paused = true;
    }
}

void RedisInstance::resume()
{
    if (m_serverPid > 0 && m_paused) {
        ::kill(static_cast<pid_t>(m_serverPid), SIGCONT);
        m_paused = false;
    }
}

} // namespace authshield::test
