#include "server/http/HttpWorker.h"

#include "server/core/Log.h"
#include "server/http/GuardedSocket.h"
#include "server/http/RequestPipeline.h"
#include "server/http/SlowWorkPool.h"

#include <QHttpServerRequest>
#include <QPointer>

#include <sys/socket.h>
#include <unistd.h>

namespace authshield::server {

namespace {
HttpMethod toMethod(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return HttpMethod::Get;
    case QHttpServerRequest::Method::Head: return HttpMethod::Head;
    case QHttpServerRequest::Method::Post: return HttpMethod::Post;
    case QHttpServerRequest::Method::Put: return HttpMethod::Put;
    case QHttpServerRequest::Method::Patch: return HttpMethod::Patch;
    case QHttpServerRequest::Method::Delete: return HttpMethod::Delete;
    case QHttpServerRequest::Method::Options: return HttpMethod::Options;
    default: return HttpMethod::Other;
    }
}

HttpRequest copyRequest(const QHttpServerRequest& source, const QTcpSocket* socket)
{
    HttpRequest request;
    request.received.start();
    request.method = toMethod(source.method());
    const QUrl url = source.url();
    request.path = url.path();
    request.query = QUrlQuery(url);
    const auto headers = source.headers();
    request.headers.reserve(headers.size());
    for (const auto& [name, value] : headers)
        request.headers.append({name.toLower(), value});
    request.body = source.body();
    request.peerAddress = socket->peerAddress();
    return request;
}

const QByteArray kOverloaded = QByteArrayLiteral("1");
} // namespace

GuardedTcpServer::GuardedTcpServer(const ConnectionLimits& limits, const RequestPipeline& pipeline,
                                   std::atomic<int>& openConnections, int maxConnections, QObject* parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_pipeline(pipeline)
    , m_openConnections(openConnections)
    , m_maxConnections(maxConnections)
{
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    if (m_openConnections.load() >= m_maxConnections) {
        // Refuse before any Qt object exists: a connection storm costs one accept and one close.
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        (void)::send(static_cast<int>(descriptor), busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(static_cast<int>(descriptor));
        return;
    }
    auto* socket = new GuardedSocket(m_limits, m_pipeline, m_openConnections, this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ::close(static_cast<int>(descriptor));
        return;
    }
    addPendingConnection(socket);
}

HttpWorker::HttpWorker(const RequestPipeline& pipeline, SlowWorkPool& pool, QObject* parent)
    : QAbstractHttpServer(parent)
    , m_pipeline(pipeline)
    , m_pool(pool)
{
}

bool HttpWorker::handleRequest(const QHttpServerRequest& source, QTcpSocket* socket)
{
    auto* connection = qobject_cast<GuardedSocket*>(socket);
    if (!connection)
        return true; // not one of ours: cannot happen, but never crash on it
    HttpRequest request = copyRequest(source, socket);
    const quint64 slot = connection->beginRequest();
    RequestPipeline::Prepared prepared = m_pipeline.prepare(request);

    auto answerNow = [&](HttpResponse response) {
        response.closeConnection = response.closeConnection || connection->isLastAllowedRequest();
        const bool close = response.closeConnection;
        BodyStream stream = request.method == HttpMethod::Head ? BodyStream() : response.stream;
        connection->completeRequest(slot, m_pipeline.finish(request, prepared.route, prepared.context,
                                                            std::move(response)), close, std::move(stream));
    };

    if (prepared.earlyResponse) {
        answerNow(std::move(*prepared.earlyResponse));
        return true;
    }
    const Route* route = prepared.route;
    if (!route->options.slow) {
        answerNow(RequestPipeline::runHandler(*route, request, prepared.context));
        return true;
    }

    QPointer<GuardedSocket> target(connection);
    QPointer<HttpWorker> home(this);
    auto gone = connection->goneFlag();
    const RequestPipeline* pipeline = &m_pipeline;
    const bool lastRequest = connection->isLastAllowedRequest();
    auto job = [=, request = request, context = prepared.context]() mutable {
        if (gone->load())
            return; // the client left: nobody would read the answer
        HttpResponse response = RequestPipeline::runHandler(*route, request, context);
        if (!home)
            return;
        QMetaObject::invokeMethod(
            home.data(),
            [=, request = std::move(request), context = std::move(context),
             response = std::move(response)]() mutable {
                if (!target || target->state() != QAbstractSocket::ConnectedState)
                    return;
                response.closeConnection = response.closeConnection || lastRequest;
                const bool close = response.closeConnection;
                BodyStream stream = request.method == HttpMethod::Head ? BodyStream() : response.stream;
                target->completeRequest(slot, pipeline->finish(request, route, context, std::move(response)), close,
                                        std::move(stream));
            },
            Qt::QueuedConnection);
    };
    if (!m_pool.trySubmit(std::move(job))) {
        HttpResponse busy = HttpResponse::error(ErrorCode::ServiceUnavailable,
                                                QStringLiteral("the server is busy; retry shortly"));
        busy.setHeader(QByteArrayLiteral("Retry-After"), kOverloaded);
        answerNow(std::move(busy));
    }
    return true;
}

void HttpWorker::missingHandler(const QHttpServerRequest&, QTcpSocket*)
{
    // handleRequest answers every request (404/405 included), so Qt never calls this.
}

HttpWorkerThread::HttpWorkerThread(int listeningDescriptor, const ConnectionLimits& limits,
                                   const RequestPipeline& pipeline, SlowWorkPool& pool,
                                   std::atomic<int>& openConnections, int maxConnections,
                                   std::function<void()> threadCleanup, QObject* parent)
    : QThread(parent)
    , m_descriptor(listeningDescriptor)
    , m_limits(limits)
    , m_pipeline(pipeline)
    , m_pool(pool)
    , m_openConnections(openConnections)
    , m_maxConnections(maxConnections)
    , m_threadCleanup(std::move(threadCleanup))
{
}

bool HttpWorkerThread::waitUntilListening()
{
    QDeadlineTimer deadline(std::chrono::seconds(10));
    while (m_state.load() == 0 && !deadline.hasExpired())
        QThread::msleep(1);
    return m_state.load() == 1;
}

void HttpWorkerThread::stopListening()
{
    if (!isRunning() || !m_listener)
        return;
    QMetaObject::invokeMethod(m_listener, &QTcpServer::close, Qt::BlockingQueuedConnection);
}

void HttpWorkerThread::run()
{
    auto* worker = new HttpWorker(m_pipeline, m_pool, nullptr);
    auto* listener = new GuardedTcpServer(m_limits, m_pipeline, m_openConnections, m_maxConnections, nullptr);
    if (!listener->setSocketDescriptor(m_descriptor)) {
        Log::error(QStringLiteral("http"), QStringLiteral("cannot adopt listening socket"),
                   {{QStringLiteral("error"), listener->errorString()}});
        delete listener;
        delete worker;
        m_state.store(-1);
        return;
    }
    listener->setMaxPendingConnections(1024);
    worker->bind(listener); // the worker now owns the listener
    m_listener = listener;
    m_state.store(1);
    exec();
    m_listener = nullptr;
    delete worker;
    if (m_threadCleanup)
        m_threadCleanup();
}

} // namespace authshield::server
