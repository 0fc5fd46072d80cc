#pragma once

#include "server/http/ConnectionLimits.h"

#include <QAbstractHttpServer>
#include <QTcpServer>
#include <QThread>

#include <atomic>
#include <functional>

namespace authshield::server {

class RequestPipeline;
class SlowWorkPool;

// Accepts connections on one SO_REUSEPORT listening socket and wraps each in a GuardedSocket.
class GuardedTcpServer final : public QTcpServer
{
    Q_OBJECT

public:
    GuardedTcpServer(const ConnectionLimits& limits, const RequestPipeline& pipeline,
                     std::atomic<int>& openConnections, int maxConnections, QObject* parent);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    const ConnectionLimits& m_limits;
    const RequestPipeline& m_pipeline;
    std::atomic<int>& m_openConnections;
    const int m_maxConnections;
};

// One HTTP server per worker thread: turns each parsed request into our HttpRequest and runs it through
// the pipeline, inline for fast routes and on the slow-work pool for slow ones. Pool answers come back
// through a queued call into this thread and are written only if the connection still exists.
class HttpWorker final : public QAbstractHttpServer
{
    Q_OBJECT

public:
    HttpWorker(const RequestPipeline& pipeline, SlowWorkPool& pool, QObject* parent);

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override;
    void missingHandler(const QHttpServerRequest& request, QTcpSocket* socket) override;

private:
    const RequestPipeline& m_pipeline;
    SlowWorkPool& m_pool;
};

// A thread that owns one listening socket, its GuardedTcpServer and HttpWorker (created inside the thread,
// as Qt 6.4 requires for per-thread servers).
class HttpWorkerThread final : public QThread
{
    Q_OBJECT

public:
    HttpWorkerThread(int listeningDescriptor, const ConnectionLimits& limits, const RequestPipeline& pipeline,
                     SlowWorkPool& pool, std::atomic<int>& openConnections, int maxConnections,
                     std::function<void()> threadCleanup, QObject* parent);

    bool waitUntilListening();
    void stopListening(); // blocks until the listener in this thread is closed

protected:
    void run() override;

private:
    const int m_descriptor;
    const ConnectionLimits& m_limits;
    const RequestPipeline& m_pipeline;
    SlowWorkPool& m_pool;
    std::atomic<int>& m_openConnections;
    const int m_maxConnections;
    std::function<void()> m_threadCleanup; // runs last in run(): release per-thread resources
    QTcpServer* m_listener = nullptr;
    std::atomic<int> m_state{0}; // 0 starting, 1 listening, -1 failed
};

} // namespace authshield::server
