#pragma once

#include "server/core/Config.h"
#include "server/http/ConnectionLimits.h"
#include "shared/Result.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace authshield::server {

class HttpWorkerThread;
class RequestPipeline;
class SlowWorkPool;

// N worker threads, each with its own QHttpServer on its own SO_REUSEPORT socket bound to the same
// address, so the kernel spreads connections across cores; plus the shared slow-work pool.
class HttpServer final : public QObject
{
    Q_OBJECT

public:
    HttpServer(const HttpConfig& config, const RequestPipeline& pipeline, SlowWorkPool& pool, QObject* parent);
    ~HttpServer() override;

    // Runs at the end of every HTTP thread and once on every pool thread at shutdown.
    void setThreadCleanup(std::function<void()> cleanup) { m_threadCleanup = std::move(cleanup); }
    Result<quint16> start();
    // Orderly: stop accepting, finish or drop pool jobs, then stop the HTTP threads.
    void stop();
    quint16 port() const { return m_port; }
    int threadCount() const { return static_cast<int>(m_threads.size()); }
    int openConnections() const { return m_openConnections.load(); }

private:
    const HttpConfig& m_config;
    const RequestPipeline& m_pipeline;
    SlowWorkPool& m_pool;
    ConnectionLimits m_limits;
    std::vector<HttpWorkerThread*> m_threads;
    std::atomic<int> m_openConnections{0};
    std::function<void()> m_threadCleanup;
    quint16 m_port = 0;
    bool m_running = false;
};

int defaultThreadCount();

} // namespace authshield::server
