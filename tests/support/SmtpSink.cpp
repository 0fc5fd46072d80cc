#include "tests/support/SmtpSink.h"

#include "server/crypto/CryptoRuntime.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QMutex>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QWaitCondition>

#include <optional>

namespace authshield::test {

namespace {

struct TestCertificates
{
    QTemporaryDir dir;
    QString trustedCert;
    QString trustedKey;
    QString untrustedCert;
    QString untrustedKey;
    bool ok = false;
};

bool makeCertificate(const QString& dir, const QString& name, const QString& commonName)
{
    QProcess openssl;
    openssl.start("openssl",
                  { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=" + commonName, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                    dir + "/" + name + ".key", "-out", dir + "/" + name + ".pem" });
    return openssl.waitForFinished(30000) && openssl.exitStatus() == QProcess::NormalExit && openssl.exitCode() == 0;
}

// Made once per test process: certificate generation is the slowest part of starting a sink.
TestCertificates& certificates()
{
    static TestCertificates certs = [] {
        TestCertificates made;
        const QString dir = made.dir.path();
        made.ok = made.dir.isValid() && makeCertificate(dir, "trusted", "AuthShield test SMTP sink")
            && makeCertificate(dir, "untrusted", "Untrusted impostor");
        made.trustedCert = dir + "/trusted.pem";
        made.trustedKey = dir + "/trusted.key";
        made.untrustedCert = dir + "/untrusted.pem";
        made.untrustedKey = dir + "/untrusted.key";
        return made;
    }();
    return certs;
}

QSslKey readKey(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QSslKey(file.readAll(), QSsl::Ec);
}

} // namespace

struct SmtpSink::Shared
{
    mutable QMutex mutex;
    mutable QWaitCondition messageArrived;
    Mode mode = Mode::Plain;
    QString user;
    QString password;
    QStringList mechanisms { "PLAIN", "LOGIN" };
    std::optional<Step> failStep;
    Failure failure = Failure::Temporary;
    int failTimes = 0;
    QList<Message> messages;
    QStringList commands;
    int connections = 0;
    quint16 port = 0;

    // Consumes one occurrence of the failure rule when it applies to step.
    std::optional<Failure> failureAt(Step step)
    {
        QMutexLocker locker(&mutex);
        if (!failStep || *failStep != step || failTimes == 0)
            return std::nullopt;
        if (failTimes > 0)
            --failTimes;
        return failure;
    }
};

// The QTcpServer and its sessions, all on the sink's thread.
class SmtpSink::Server final : public QTcpServer
{
public:
    explicit Server(std::shared_ptr<Shared> shared)
        : QTcpServer(nullptr)
        , m_shared(std::move(shared))
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto* socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        {
            QMutexLocker locker(&m_shared->mutex);
            ++m_shared->connections;
        }
        auto* session = new Session(socket, m_shared);
        session->setParent(socket);
        session->begin();
    }

private:
    class Session final : public QObject
    {
    public:
        Session(QSslSocket* socket, std::shared_ptr<Shared> shared)
            : QObject(nullptr)
            , m_socket(socket)
            , m_shared(std::move(shared))
        {
            connect(m_socket, &QSslSocket::readyRead, this, [this] { onReadyRead(); });
            connect(m_socket, &QSslSocket::disconnected, m_socket, &QObject::deleteLater);
            connect(m_socket, &QSslSocket::encrypted, this, [this] {
                m_tls = true;
                m_tlsStarting = false;
                if (m_greetAfterTls)
                    greet();
            });
            connect(m_socket, &QSslSocket::sslErrors, this, [](const QList<QSslError>&) {});
        }

        void begin()
        {
            Mode mode;
            {
                QMutexLocker locker(&m_shared->mutex);
                mode = m_shared->mode;
            }
            if (mode == Mode::ImplicitTls) {
                m_greetAfterTls = true;
                startTls();
            } else {
                greet();
            }
        }

    private:
        Mode mode() const
        {
            QMutexLocker locker(&m_shared->mutex);
            return m_shared->mode;
        }

        void reply(const QByteArray& line) { m_socket->write(line + "\r\n"); }

        void drop() { m_socket->abort(); }

        // Applies the failure rule for step; true when the step failed (the caller stops handling it).
        bool failed(Step step, const QByteArray& temporary, const QByteArray& permanent)
        {
            const std::optional<Failure> failure = m_shared->failureAt(step);
            if (!failure || *failure == Failure::BadCertificate)
                return false;
            if (*failure == Failure::Drop)
                drop();
            else
                reply(*failure == Failure::Temporary ? temporary : permanent);
            return true;
        }

        void greet()
        {
            m_greetAfterTls = false;
            if (failed(Step::Greeting, "421 4.3.2 sink busy, try later", "554 5.3.2 sink refuses service"))
                return;
            reply("220 localhost ESMTP AuthShield test sink");
        }

        void startTls()
        {
            const TestCertificates& certs = certificates();
            const std::optional<Failure> failure = m_shared->failureAt(Step::Tls);
            if (failure && *failure == Failure::Drop) {
                drop();
                return;
            }
            const bool impostor = failure && *failure == Failure::BadCertificate;
            QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
            const QList<QSslCertificate> chain
                = QSslCertificate::fromPath(impostor ? certs.untrustedCert : certs.trustedCert, QSsl::Pem);
            tls.setLocalCertificateChain(chain);
            tls.setPrivateKey(readKey(impostor ? certs.untrustedKey : certs.trustedKey));
            tls.setPeerVerifyMode(QSslSocket::VerifyNone);
            m_socket->setSslConfiguration(tls);
            m_tlsStarting = true;
            m_socket->startServerEncryption();
        }

        QStringList mechanisms() const
        {
            QMutexLocker locker(&m_shared->mutex);
            return m_shared->mechanisms;
        }

        bool authRequired() const
        {
            QMutexLocker locker(&m_shared->mutex);
            return !m_shared->user.isEmpty();
        }

        void log(const QByteArray& line)
        {
            QMutexLocker locker(&m_shared->mutex);
            m_shared->commands.append(QString::fromUtf8(line));
        }

        void onReadyRead()
        {
            m_buffer += m_socket->readAll();
            for (int guard = 0; guard < 10000; ++guard) {
                if (m_inData) {
                    if (!takeData())
                        return;
                    continue;
                }
                const qsizetype end = m_buffer.indexOf("\r\n");
                if (end < 0)
                    return;
                const QByteArray line = m_buffer.left(end);
                m_buffer.remove(0, end + 2);
                handle(line);
                if (m_socket->state() != QAbstractSocket::ConnectedState || m_tlsStarting)
                    return;
            }
        }

        bool takeData()
        {
            qsizetype end = -1;
            if (m_buffer.startsWith(".\r\n"))
                end = 0;
            else if (const qsizetype at = m_buffer.indexOf("\r\n.\r\n"); at >= 0)
                end = at + 2;
            if (end < 0)
                return false;
            QByteArray data = m_buffer.left(end);
            m_buffer.remove(0, end + 3);
            m_inData = false;
            // Undo dot-stuffing: a leading ".." at a line start stands for ".".
            QByteArray unstuffed;
            unstuffed.reserve(data.size());
            bool lineStart = true;
            for (qsizetype i = 0; i < data.size(); ++i) {
                const char c = data.at(i);
                if (lineStart && c == '.' && i + 1 < data.size() && data.at(i + 1) == '.') {
                    lineStart = false;
                    continue;
                }
                unstuffed.append(c);
                lineStart = c == '\n';
            }
            if (failed(Step::Data, "451 4.3.0 sink cannot take it now", "554 5.6.0 sink rejects the message"))
                return true;
            Message message;
            message.from = m_from;
            message.to = m_recipients;
            message.data = unstuffed;
            message.parsed = MailFile::parse(unstuffed);
            message.tls = m_tls;
            message.authUser = m_authUser;
            qsizetype number = 0;
            {
                QMutexLocker locker(&m_shared->mutex);
                m_shared->messages.append(message);
                number = m_shared->messages.size();
                m_shared->messageArrived.wakeAll();
            }
            m_from.clear();
            m_recipients.clear();
            reply("250 2.0.0 queued as " + QByteArray::number(number));
            return true;
        }

        static QString address(const QByteArray& argument)
        {
            const qsizetype open = argument.indexOf('<');
            const qsizetype close = argument.indexOf('>');
            if (open < 0 || close < open)
                return QString::fromUtf8(argument.trimmed());
            return QString::fromUtf8(argument.mid(open + 1, close - open - 1));
        }

        void handle(const QByteArray& line)
        {
            if (m_authStage > 0) {
                log("<auth data>");
                continueAuth(line);
                return;
            }
            const QByteArray verb = line.left(line.indexOf(' ') < 0 ? line.size() : line.indexOf(' ')).toUpper();
            log(verb == "AUTH" ? line.left(10) + " <masked>" : line);
            if (verb == "EHLO" || verb == "HELO") {
                if (failed(Step::Ehlo, "421 4.3.2 sink busy", "550 5.7.1 sink refuses EHLO"))
                    return;
                QByteArrayList lines { "localhost greets " + line.mid(5) };
                if (mode() == Mode::StartTls && !m_tls)
                    lines << "STARTTLS";
                if (authRequired() && (m_tls || mode() == Mode::Plain))
                    lines << "AUTH " + mechanisms().join(u' ').toUtf8();
                lines << "8BITMIME"
                      << "SIZE 10485760";
                for (qsizetype i = 0; i < lines.size(); ++i)
                    reply((i + 1 == lines.size() ? "250 " : "250-") + lines.at(i));
            } else if (verb == "STARTTLS") {
                if (mode() != Mode::StartTls || m_tls) {
                    reply("502 5.5.1 STARTTLS not available");
                    return;
                }
                if (failed(Step::StartTls, "454 4.7.0 TLS not available now", "554 5.7.0 no TLS for you"))
                    return;
                reply("220 2.0.0 ready to start TLS");
                m_socket->flush();
                m_buffer.clear();
                startTls();
            } else if (verb == "AUTH") {
                const QList<QByteArray> parts = line.split(' ');
                const QByteArray mechanism = parts.value(1).toUpper();
                if (mechanism == "PLAIN") {
                    m_mechanism = mechanism;
                    if (parts.size() > 2) {
                        finishPlain(parts.at(2));
                    } else {
                        m_authStage = 1;
                        reply("334 ");
                    }
                } else if (mechanism == "LOGIN") {
                    m_mechanism = mechanism;
                    m_authStage = 1;
                    reply("334 VXNlcm5hbWU6");
                } else {
                    reply("504 5.5.4 mechanism not supported");
                }
            } else if (verb == "MAIL") {
                if (authRequired() && m_authUser.isEmpty()) {
                    reply("530 5.7.0 authentication required");
                    return;
                }
                if (failed(Step::MailFrom, "451 4.3.0 sender check failed, try later", "550 5.1.0 sender rejected"))
                    return;
                m_from = address(line.mid(5));
                m_recipients.clear();
                reply("250 2.1.0 sender ok");
            } else if (verb == "RCPT") {
                if (m_from.isNull()) {
                    reply("503 5.5.1 MAIL first");
                    return;
                }
                if (failed(Step::RcptTo, "450 4.2.0 mailbox busy", "550 5.1.1 no such user here"))
                    return;
                m_recipients.append(address(line.mid(3)));
                reply("250 2.1.5 recipient ok");
            } else if (verb == "DATA") {
                if (m_recipients.isEmpty()) {
                    reply("503 5.5.1 RCPT first");
                    return;
                }
                const std::optional<Failure> failure = m_shared->failureAt(Step::Data);
                if (failure && *failure == Failure::Drop) {
                    drop();
                    return;
                }
                if (failure) { // the rule applies to the end of DATA: put it back for takeData()
                    QMutexLocker locker(&m_shared->mutex);
                    if (m_shared->failTimes >= 0)
                        ++m_shared->failTimes;
                }
                m_inData = true;
                reply("354 end data with <CR><LF>.<CR><LF>");
            } else if (verb == "RSET") {
                m_from.clear();
                m_recipients.clear();
                reply("250 2.0.0 reset");
            } else if (verb == "NOOP") {
                reply("250 2.0.0 ok");
            } else if (verb == "QUIT") {
                reply("221 2.0.0 bye");
                m_socket->disconnectFromHost();
            } else {
                reply("500 5.5.2 unknown command");
            }
        }

        void finishPlain(const QByteArray& base64)
        {
            const QList<QByteArray> fields = QByteArray::fromBase64(base64).split('\0');
            checkCredentials(QString::fromUtf8(fields.value(1)), QString::fromUtf8(fields.value(2)));
        }

        void continueAuth(const QByteArray& line)
        {
            if (line == "*") {
                m_authStage = 0;
                reply("501 5.7.0 authentication cancelled");
                return;
            }
            if (m_mechanism == "PLAIN") {
                m_authStage = 0;
                finishPlain(line);
            } else if (m_authStage == 1) {
                m_loginUser = QString::fromUtf8(QByteArray::fromBase64(line));
                m_authStage = 2;
                reply("334 UGFzc3dvcmQ6");
            } else {
                m_authStage = 0;
                checkCredentials(m_loginUser, QString::fromUtf8(QByteArray::fromBase64(line)));
            }
        }

        void checkCredentials(const QString& user, const QString& password)
        {
            if (failed(Step::Auth, "454 4.7.0 temporary authentication failure",
                       "535 5.7.8 authentication credentials invalid"))
                return;
            bool good = false;
            {
                QMutexLocker locker(&m_shared->mutex);
                good = user == m_shared->user && password == m_shared->password;
            }
            if (!good) {
                reply("535 5.7.8 authentication credentials invalid");
                return;
            }
            m_authUser = user;
            reply("235 2.7.0 authentication successful");
        }

        QSslSocket* m_socket;
        std::shared_ptr<Shared> m_shared;
        QByteArray m_buffer;
        bool m_inData = false;
        bool m_tls = false;
        bool m_tlsStarting = false;
        bool m_greetAfterTls = false;
        int m_authStage = 0;
        QByteArray m_mechanism;
        QString m_loginUser;
        QString m_authUser;
        QString m_from;
        QStringList m_recipients;
    };

    std::shared_ptr<Shared> m_shared;
};

SmtpSink::SmtpSink(Mode mode)
    : m_shared(std::make_shared<Shared>())
{
    m_shared->mode = mode;
}

SmtpSink::~SmtpSink()
{
    stop();
}

bool SmtpSink::start(quint16 port)
{
    if (!certificates().ok)
        return false;
    if (!m_thread) {
        // Initialise Qt's TLS backend (and OpenSSL) on this thread first: done lazily on the sink's thread, racing
        // another thread's first TLS use, it intermittently leaked OpenSSL's per-thread state at exit.
        (void)QSslConfiguration::defaultConfiguration();
        m_thread = std::make_unique<QThread>();
        m_thread->setObjectName("smtp-sink");
        m_server = new Server(m_shared);
        m_server->moveToThread(m_thread.get());
        QObject::connect(m_thread.get(), &QThread::finished, m_server, &QObject::deleteLater);
        // Emitted on the sink's thread as it ends: its TLS sessions' OpenSSL state goes with it.
        QObject::connect(
            m_thread.get(), &QThread::finished, m_server, [] { server::CryptoRuntime::releaseThreadState(); },
            Qt::DirectConnection);
        m_thread->start();
    }
    bool listening = false;
    QMetaObject::invokeMethod(
        m_server,
        [this, port, &listening] {
            listening = m_server->isListening() || m_server->listen(QHostAddress::LocalHost, port);
            if (listening) {
                QMutexLocker locker(&m_shared->mutex);
                m_shared->port = m_server->serverPort();
            }
        },
        Qt::BlockingQueuedConnection);
    return listening;
}

void SmtpSink::stop()
{
    if (!m_thread)
        return;
    m_thread->quit();
    m_thread->wait();
    m_thread.reset();
    m_server = nullptr; // deleted on its thread as it finished
}

void SmtpSink::pause()
{
    if (!m_server)
        return;
    QMetaObject::invokeMethod(
        m_server,
        [this] {
            m_server->close();
            // Open sessions go too: a paused sink is an unreachable server.
            for (QSslSocket* socket : m_server->findChildren<QSslSocket*>(Qt::FindDirectChildrenOnly))
                socket->abort();
        },
        Qt::BlockingQueuedConnection);
}

bool SmtpSink::resume()
{
    return start(port());
}

quint16 SmtpSink::port() const
{
    QMutexLocker locker(&m_shared->mutex);
    return m_shared->port;
}

QString SmtpSink::caFile() const
{
    return certificates().trustedCert;
}

void SmtpSink::setCredentials(const QString& user, const QString& password)
{
    QMutexLocker locker(&m_shared->mutex);
    m_shared->user = user;
    m_shared->password = password;
}

void SmtpSink::setAuthMechanisms(const QStringList& mechanisms)
{
    QMutexLocker locker(&m_shared->mutex);
    m_shared->mechanisms = mechanisms;
}

void SmtpSink::failAt(Step step, Failure failure, int times)
{
    QMutexLocker locker(&m_shared->mutex);
    m_shared->failStep = step;
    m_shared->failure = failure;
    m_shared->failTimes = times;
}

void SmtpSink::clearFailure()
{
    QMutexLocker locker(&m_shared->mutex);
    m_shared->failStep.reset();
    m_shared->failTimes = 0;
}

QList<SmtpSink::Message> SmtpSink::messages() const
{
    QMutexLocker locker(&m_shared->mutex);
    return m_shared->messages;
}

QList<SmtpSink::Message> SmtpSink::messagesTo(const QString& address) const
{
    QList<Message> found;
    for (const Message& message : messages())
        if (message.to.contains(address, Qt::CaseInsensitive))
            found.append(message);
    return found;
}

bool SmtpSink::waitForMessages(int count, int timeoutMs) const
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker locker(&m_shared->mutex);
    while (m_shared->messages.size() < count) {
        if (!m_shared->messageArrived.wait(&m_shared->mutex, deadline))
            return m_shared->messages.size() >= count;
    }
    return true;
}

int SmtpSink::connectionCount() const
{
    QMutexLocker locker(&m_shared->mutex);
    return m_shared->connections;
}

QStringList SmtpSink::commandLog() const
{
    QMutexLocker locker(&m_shared->mutex);
    return m_shared->commands;
}

void SmtpSink::clearMessages()
{
    QMutexLocker locker(&m_shared->mutex);
    m_shared->messages.clear();
}

} // namespace authshield::test
