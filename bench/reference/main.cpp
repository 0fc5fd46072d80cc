// The reference the bench's targets are ratios of: one trivial GET route served with the server's thread model.
//   --mode ours  our HttpServer (SO_REUSEPORT socket per worker thread, GuardedSocket limits) + Router + the
//                request pipeline with no guards, no authenticator and no access log: the fixed cost every
//                route of the real server pays, and nothing else
//   --mode qt    plain QHttpServer 6.4, one per worker thread on its own SO_REUSEPORT socket (the framework's
//                own cost, for context)
// Prints "port <n>" once listening; runs until killed.
#include "server/core/Config.h"
#include "server/http/HttpServer.h"
#include "server/http/RequestPipeline.h"
#include "server/http/Router.h"
#include "server/http/SlowWorkPool.h"

#include <QCoreApplication>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QThread>

#include <arpa/inet.h>
#include <cstdio>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace authshield;
using namespace authshield::server;

namespace {

int listenLoopback(quint16 port, quint16* bound)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0
        || ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
        return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd, 1024) != 0) {
        ::close(fd);
        return -1;
    }
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    *bound = ntohs(address.sin_port);
    return fd;
}

class QtWorkerThread final : public QThread
{
public:
    QtWorkerThread(int descriptor, QObject* parent)
        : QThread(parent)
        , m_descriptor(descriptor)
    {
    }

protected:
    void run() override
    {
        QHttpServer server;
        auto* listener = new QTcpServer(&server);
        if (!listener->setSocketDescriptor(m_descriptor)) {
            std::fprintf(stderr, "cannot adopt the listening socket\n");
            return;
        }
        server.route(QStringLiteral("/bench"),
                     [] { return QHttpServerResponse(QJsonObject{{QStringLiteral("ok"), true}}); });
        server.bind(listener);
        exec();
    }

private:
    int m_descriptor;
};

int runQt(QCoreApplication& app, quint16 port, int threads)
{
    std::vector<QtWorkerThread*> workers;
    for (int i = 0; i < threads; ++i) {
        quint16 bound = 0;
        const int fd = listenLoopback(port, &bound);
        if (fd < 0) {
            std::fprintf(stderr, "cannot listen on 127.0.0.1:%u\n", port);
            return 1;
        }
        port = bound;
        auto* worker = new QtWorkerThread(fd, &app);
        worker->start();
        workers.push_back(worker);
    }
    std::printf("port %u\n", port);
    std::fflush(stdout);
    return app.exec();
}

int runOurs(QCoreApplication& app, quint16 port, int threads)
{
    Router router;
    router.add(HttpMethod::Get, QStringLiteral("/bench"), [](const HttpRequest&, RequestContext&) {
        return HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true}});
    });
    PipelineOptions options;
    options.accessLog = false;
    RequestPipeline pipeline(router, options);
    SlowWorkPool pool(1, 16);
    HttpConfig config;
    config.port = port;
    config.threads = threads;
    (void)QSslConfiguration::defaultConfiguration(); // as ServerContext does, before the workers start
    HttpServer server(config, pipeline, pool, &app);
    Result<quint16> bound = server.start();
    if (!bound) {
        std::fprintf(stderr, "%s\n", qPrintable(bound.error().message));
        return 1;
    }
    std::printf("port %u\n", *bound);
    std::fflush(stdout);
    return app.exec();
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&args](const char* name, const QString& fallback) {
        const qsizetype at = args.indexOf(QLatin1String(name));
        return at >= 0 && at + 1 < args.size() ? args.at(at + 1) : fallback;
    };
    const QString mode = option("--mode", QStringLiteral("ours"));
    const auto port = static_cast<quint16>(option("--port", QStringLiteral("0")).toUInt());
    const int threads = qMax(1, option("--threads", QString::number(defaultThreadCount())).toInt());
    if (mode == QLatin1String("qt"))
        return runQt(app, port, threads);
    if (mode == QLatin1String("ours"))
        return runOurs(app, port, threads);
    std::fprintf(stderr, "usage: authshield-bench-reference [--mode ours|qt] [--port N] [--threads N]\n");
    return 2;
}
