#include "server/http/HttpServer.h"

#include "server/core/Log.h"
#include "server/http/HttpWorker.h"
#include "server/http/SlowWorkPool.h"

#include <QHostAddress>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace authshield::server {

namespace {
Result<int> openListeningSocket(const QHostAddress& address, quint16 port, quint16* boundPort)
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(v4);
        length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR v6 = address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &v6, sizeof(v6));
        length = sizeof(sockaddr_in6);
    }
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto fail = [&](const char* step) -> Result<int> {
        const QString reason = QString::fromLocal8Bit(std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("cannot listen on %1:%2 (%3: %4)")
                               .arg(address.toString())
                               .arg(port)
                               .arg(QString::fromLatin1(step), reason));
    };
    if (fd < 0)
        return fail("socket");
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
        || ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
        return fail("setsockopt");
    if (!isV4)
        (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0)
        return fail("bind");
    if (::listen(fd, 1024) != 0)
        return fail("listen");
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof(bound);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &boundLength) != 0)
        return fail("getsockname");
    *boundPort = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                  : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    return fd;
}
} // namespace

int defaultThreadCount()
{
    return qMax(1, QThread::idealThreadCount());
}

HttpServer::HttpServer(const HttpConfig& config, const RequestPipeline& pipeline, SlowWorkPool& pool,
                       QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_pipeline(pipeline)
    , m_pool(pool)
{
    m_limits.maxHeaderBytes = config.maxHeaderBytes;
    m_limits.maxBodyBytes = config.maxBodyBytes;
    m_limits.requestTimeout = config.headerTimeout;
    m_limits.idleTimeout = config.idleTimeout;
    m_limits.maxRequestsPerConnection = config.maxRequestsPerConnection;
}

HttpServer::~HttpServer()
{
    stop();
}

Result<quint16> HttpServer::start()
{
    const QHostAddress address(m_config.host == QStringLiteral("localhost") ? QStringLiteral("127.0.0.1")
                                                                             : m_config.host);
    if (address.isNull())
        return Error::make(ErrorCode::ValidationFailed,
                           QStringLiteral("http.listen: \"%1\" is not an IP address").arg(m_config.host));
    const int threads = m_config.threads > 0 ? m_config.threads : defaultThreadCount();
    quint16 port = m_config.port;
    for (int i = 0; i < threads; ++i) {
        quint16 bound = 0;
        Result<int> fd = openListeningSocket(address, port, &bound);
        if (!fd) {
            stop();
            return fd.error();
        }
        port = bound; // with port 0 the first socket picks one; the others share it
        auto* thread = new HttpWorkerThread(*fd, m_limits, m_pipeline, m_pool, m_openConnections,
                                            m_config.maxConnections, m_threadCleanup, this);
        thread->setObjectName(QStringLiteral("http-%1").arg(i));
        m_threads.push_back(thread);
        thread->start();
        if (!thread->waitUntilListening()) {
            stop();
            return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("an HTTP worker thread failed to start"));
        }
    }
    m_port = port;
    m_running = true;
    return port;
}

void HttpServer::stop()
{
    if (m_threads.empty())
        return;
    for (HttpWorkerThread* thread : m_threads)
        thread->stopListening();
    m_pool.setThreadCleanup(m_threadCleanup);
    m_pool.shutdown();
    for (HttpWorkerThread* thread : m_threads) {
        thread->quit();
        thread->wait();
        delete thread;
    }
    m_threads.clear();
    m_running = false;
}

} // namespace authshield::server
