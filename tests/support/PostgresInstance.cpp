#include "tests/support/PostgresInstance.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>

#include <pwd.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

namespace authshield::test {

namespace {

const QString kBinDir = QStringLiteral("/usr/lib/postgresql/15/bin");

bool isRoot()
{
    return ::geteuid() == 0;
}

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

// Runs until the test process (first argument) is gone, then stops the server and removes the dir.
// Bounded: gives up after a day even if the test somehow lives on.
const char* const kWatchdogScript = R"sh(
test_pid="$1"; dir="$2"; pg_ctl="$3"; as_postgres="$4"
i=0
while kill -0 "$test_pid" 2>/dev/null && [ "$i" -lt 172800 ]; do sleep 0.5; i=$((i + 1)); done
if [ "$as_postgres" = 1 ]; then
    runuser -u postgres -- "$pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1
else
    "$pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1
fi
rm -rf "$dir"
)sh";

} // namespace

PostgresInstance::PostgresInstance() = default;

PostgresInstance::~PostgresInstance()
{
    stop();
    if (!m_dir.isEmpty())
        QDir(m_dir).removeRecursively();
    if (m_watchdogPid > 0)
        ::kill(pid_t(m_watchdogPid), SIGTERM);
}

QString PostgresInstance::binary(const QString& name) const
{
    return kBinDir + QLatin1Char('/') + name;
}

QString PostgresInstance::url(const QString& database) const
{
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(superuser()).arg(m_port).arg(database);
}

QString PostgresInstance::logTail() const
{
    QFile log(m_dir + QStringLiteral("/server.log"));
    if (!log.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = log.readAll();
    return QString::fromUtf8(all.right(2000));
}

bool PostgresInstance::run(const QString& program, const QStringList& arguments, int timeoutMs, bool asPostgresUser)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir); // the postgres user cannot enter the test's own cwd (e.g. /root)
    QStringList argv = arguments;
    QString command = program;
    if (asPostgresUser && isRoot()) {
        argv = QStringList { QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program }
            + arguments;
        command = QStringLiteral("runuser");
    }
    process.start(command, argv);
    if (!process.waitForStarted(5000)) {
        m_lastError = QStringLiteral("cannot start %1: %2").arg(command, process.errorString());
        return false;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        m_lastError = QStringLiteral("%1 timed out").arg(program);
        return false;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        m_lastError = QStringLiteral("%1 failed (exit %2): %3")
                          .arg(program)
                          .arg(process.exitCode())
                          .arg(QString::fromLocal8Bit(process.readAll()).right(2000));
        return false;
    }
    return true;
}

bool PostgresInstance::initialise()
{
    // The postgres user must be able to reach the directory, so avoid a TMPDIR under /root.
    const QString base = isRoot() ? QStringLiteral("/tmp") : QDir::tempPath();
    QTemporaryDir temp(base + QStringLiteral("/authshield-pg-XXXXXX"));
    if (!temp.isValid()) {
        m_lastError = QStringLiteral("cannot create a temp dir under %1").arg(base);
        return false;
    }
    temp.setAutoRemove(false);
    m_dir = temp.path();

    // Watchdog first: from here on, a dying test leaves nothing behind.
    qint64 pid = 0;
    const bool watchdogStarted = QProcess::startDetached(
        QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"), QString::fromUtf8(kWatchdogScript), QStringLiteral("authshield-pg-watchdog"),
          QString::number(QCoreApplication::applicationPid()), m_dir, binary(QStringLiteral("pg_ctl")),
          isRoot() ? QStringLiteral("1") : QStringLiteral("0") },
        QStringLiteral("/"), &pid);
    if (!watchdogStarted) {
        m_lastError = QStringLiteral("cannot start the watchdog shell");
        return false;
    }
    m_watchdogPid = pid;

    if (isRoot()) {
        const passwd* pw = ::getpwnam("postgres");
        if (!pw) {
            m_lastError = QStringLiteral("running as root but there is no 'postgres' system user");
            return false;
        }
        if (::chown(QFile::encodeName(m_dir).constData(), pw->pw_uid, pw->pw_gid) != 0) {
            m_lastError = QStringLiteral("cannot chown %1 to postgres").arg(m_dir);
            return false;
        }
    }
    const QString data = m_dir + QStringLiteral("/data");
    if (!run(binary(QStringLiteral("initdb")),
             { QStringLiteral("-D"), data, QStringLiteral("-U"), superuser(), QStringLiteral("-A"),
               QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"),
               QStringLiteral("--no-sync"), QStringLiteral("--no-instructions") },
             60000, true))
        return false;

    m_port = freeLoopbackPort();
    if (m_port == 0) {
        m_lastError = QStringLiteral("no free loopback port");
        return false;
    }
    QFile conf(data + QStringLiteral("/postgresql.conf"));
    if (!conf.open(QIODevice::Append | QIODevice::Text)) {
        m_lastError = QStringLiteral("cannot append to %1").arg(conf.fileName());
        return false;
    }
    const QString settings = QStringLiteral("\n# authshield test instance\n"
                                            "listen_addresses = '127.0.0.1'\n"
                                            "port = %1\n"
                                            "unix_socket_directories = '%2'\n"
                                            // fsync off only skips flushing the OS cache; commits still
                                            // reach the WAL, so an immediate stop (a crash) loses nothing.
                                            "fsync = off\n"
                                            "full_page_writes = off\n"
                                            "shared_buffers = 16MB\n"
                                            "max_connections = 60\n")
                                 .arg(m_port)
                                 .arg(m_dir);
    conf.write(settings.toUtf8());
    conf.close();
    m_initialised = true;
    return true;
}

bool PostgresInstance::start()
{
    if (m_running)
        return true;
    if (!m_initialised && !initialise())
        return false;
    const bool started = run(binary(QStringLiteral("pg_ctl")),
                             { QStringLiteral("-D"), m_dir + QStringLiteral("/data"), QStringLiteral("-l"),
                               m_dir + QStringLiteral("/server.log"), QStringLiteral("-w"), QStringLiteral("-t"),
                               QStringLiteral("30"), QStringLiteral("start") },
                             40000, true);
    if (!started) {
        m_lastError += QStringLiteral("\nserver log:\n") + logTail();
        return false;
    }
    m_running = true;
    return true;
}

void PostgresInstance::stop()
{
    if (!m_running)
        return;
    run(binary(QStringLiteral("pg_ctl")),
        { QStringLiteral("-D"), m_dir + QStringLiteral("/data"), QStringLiteral("-m"), QStringLiteral("immediate"),
          QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30"), QStringLiteral("stop") },
        40000, true);
    m_running = false;
}

bool PostgresInstance::restart()
{
    stop();
    return start();
}

QString PostgresInstance::createDatabase(const QString& name)
{
    if (!m_running) {
        m_lastError = QStringLiteral("server is not running");
        return {};
    }
    if (!run(binary(QStringLiteral("createdb")),
             { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
               QStringLiteral("-U"), superuser(), name },
             30000, false))
        return {};
    return url(name);
}

} // namespace authshield::test
