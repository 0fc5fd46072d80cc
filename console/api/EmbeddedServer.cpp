#include "console/api/EmbeddedServer.h"

#include "server/accounts/EmailAddress.h"
#include "server/accounts/UserRepository.h"
#include "server/app/AdminCommands.h"
#include "server/app/ServerContext.h"
#include "server/audit/AuditLog.h"
#include "server/core/ConfigLoader.h"
#include "server/core/DataDir.h"
#include "server/core/Log.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/storage/Database.h"
#include "server/storage/Transaction.h"

#include <QJsonObject>
#include <QMutex>
#include <QPointer>
#include <QThread>

#include <memory>

namespace authshield::console {

using namespace authshield::server;

namespace {

// Log::setSink takes a plain function; it forwards to the one embedded server that listens. The mutex keeps the
// receiver alive while a line is posted to it.
QMutex g_sinkMutex;
EmbeddedServer* g_sinkReceiver = nullptr;

void forwardLogLine(const QByteArray& line)
{
    QMutexLocker locker(&g_sinkMutex);
    if (!g_sinkReceiver)
        return;
    const QString text = QString::fromUtf8(line).trimmed();
    EmbeddedServer* receiver = g_sinkReceiver;
    QMetaObject::invokeMethod(receiver, [receiver, text]() { Q_EMIT receiver->logLine(text); }, Qt::QueuedConnection);
}

} // namespace

// Lives on the server thread; everything that touches the server's objects runs here.
class EmbeddedServerWorker : public QObject
{
public:
    EmbeddedServerWorker()
        : QObject(nullptr)
    {
    }

    Result<quint16> start(const QString& dataDir)
    {
        ConfigSources sources;
        sources.env = QProcessEnvironment(); // the console's environment must not reconfigure its server
        sources.defaultConfigPath.clear();
        sources.dataDirOverride = dataDir;
        Result<LoadedConfig> loaded = ConfigLoader::load(sources);
        if (!loaded)
            return loaded.error();
        LoadedConfig config = std::move(loaded.value());
        config.config.http.host = QStringLiteral("127.0.0.1");
        config.config.http.port = 0;
        config.config.database.url.clear(); // the embedded default: SQLite in the data dir
        config.config.redis.url.clear(); // and in-process stores
        if (Result<void> crypto = CryptoRuntime::initialise(); !crypto)
            return crypto.error();
        if (Result<void> prepared = prepareDataDir(config.config); !prepared)
            return prepared.error();
        if (Result<void> secrets = ensureDevSecrets(config.config); !secrets)
            return secrets.error();
        m_context = std::make_unique<ServerContext>(std::move(config));
        if (Result<void> started = m_context->start(); !started) {
            m_context.reset();
            return started.error();
        }
        return m_context->port();
    }

    void stop()
    {
        if (!m_context)
            return;
        m_context->stop();
        m_context.reset();
    }

    QString createAdmin(const QString& email, const QString& password)
    {
        if (!m_context)
            return QStringLiteral("The local server is not running.");
        Result<QString> normalised = EmailAddress::normalise(email);
        if (!normalised)
            return QStringLiteral("\"%1\" is not a valid email address.").arg(email);
        const ServerConfig& config = m_context->config();
        const QString problem = AdminCommands::passwordProblem(password.toUtf8(), *normalised, config.password,
                                                               m_context->passwordHasher());
        if (!problem.isEmpty())
            return QStringLiteral("The password is refused: %1.").arg(problem);
        Result<QString> hash = m_context->passwordHasher().hash(password.toUtf8());
        if (!hash)
            return hash.error().message;
        Database& database = m_context->database();
        UserRepository users(database, m_context->clock());
        Result<Transaction> tx = Transaction::begin(database);
        if (!tx)
            return tx.error().message;
        Result<User> created = users.create(
            NewUser{*normalised, *hash, EmailAddress::localPart(*normalised), true, UserStatus::Active});
        if (!created)
            return QStringLiteral("Could not create the account: %1").arg(created.error().message);
        for (const QString& role : {QStringLiteral("user"), QStringLiteral("admin")}) {
            if (Result<void> granted = users.assignRole(created->id, role); !granted)
                return granted.error().message;
        }
        Result<qint64> audited = m_context->auditLog().record(AuditEvent{
            QStringLiteral("admin.user.created"), QString(), created->id, {}, {}, {}, QStringLiteral("success"),
            QJsonObject{{QStringLiteral("role"), QStringLiteral("admin")}, {QStringLiteral("via"), QStringLiteral("console")}}});
        if (!audited)
            return audited.error().message;
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error().message;
        Log::info(QStringLiteral("console"), QStringLiteral("created the first administrator"),
                  {{QStringLiteral("user_id"), created->id}});
        return {};
    }

private:
    std::unique_ptr<ServerContext> m_context;
};

EmbeddedServer::EmbeddedServer(QObject* parent)
    : QObject(parent)
{
}

EmbeddedServer::~EmbeddedServer()
{
    stop();
}

QString EmbeddedServer::url() const
{
    return m_port == 0 ? QString() : QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

void EmbeddedServer::start(const QString& dataDir)
{
    if (m_thread) {
        Q_EMIT failed(QStringLiteral("A local server is already running."));
        return;
    }
    {
        QMutexLocker locker(&g_sinkMutex);
        g_sinkReceiver = this;
    }
    Log::setSink(&forwardLogLine);
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("embedded-server"));
    m_worker = new EmbeddedServerWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    QPointer<EmbeddedServer> self(this);
    EmbeddedServerWorker* worker = m_worker;
    QMetaObject::invokeMethod(m_worker, [self, worker, dataDir]() {
        Result<quint16> port = worker->start(dataDir);
        const QString problem = port ? QString() : port.error().message;
        const quint16 chosen = port ? *port : 0;
        if (self) {
            QMetaObject::invokeMethod(self.data(), [self, problem, chosen]() {
                if (!self)
                    return;
                if (!problem.isEmpty()) {
                    self->stop();
                    Q_EMIT self->failed(problem);
                    return;
                }
                self->m_port = chosen;
                Q_EMIT self->started(chosen);
            }, Qt::QueuedConnection);
        }
    }, Qt::QueuedConnection);
}

void EmbeddedServer::stop()
{
    if (!m_thread)
        return;
    EmbeddedServerWorker* worker = m_worker;
    // Shut the server down on its own thread (its objects live there), then end the thread.
    QMetaObject::invokeMethod(worker, [worker]() { worker->stop(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_worker = nullptr; // deleted on the thread's finished
    {
        QMutexLocker locker(&g_sinkMutex);
        if (g_sinkReceiver == this)
            g_sinkReceiver = nullptr;
    }
    Log::setSink(nullptr);
    const bool wasRunning = m_port != 0;
    m_port = 0;
    if (wasRunning)
        Q_EMIT stopped();
}

void EmbeddedServer::createAdmin(const QString& email, const QString& password, const QObject* context,
                                 std::function<void(const QString& problem)> onDone)
{
    if (!m_worker) {
        onDone(QStringLiteral("The local server is not running."));
        return;
    }
    EmbeddedServerWorker* worker = m_worker;
    QPointer<QObject> receiver(const_cast<QObject*>(context));
    QMetaObject::invokeMethod(worker, [worker, email, password, receiver, onDone = std::move(onDone)]() {
        const QString problem = worker->createAdmin(email, password);
        if (receiver) {
            QMetaObject::invokeMethod(receiver.data(), [receiver, onDone, problem]() {
                if (receiver)
                    onDone(problem);
            }, Qt::QueuedConnection);
        }
    }, Qt::QueuedConnection);
}

} // namespace authshield::console
