#include "server/app/SecurityServices.h"

#include "server/app/MetricsRoutes.h"
#include "server/audit/AuditLog.h"
#include "server/audit/AuditRetention.h"
#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/http/HttpMetricsObserver.h"
#include "server/http/HttpServer.h"
#include "server/http/PolicyRateLimitGuard.h"
#include "server/http/RequestPipeline.h"
#include "server/http/SlowWorkPool.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/ratelimit/InProcessRateLimiter.h"
#include "server/ratelimit/RateLimitService.h"
#include "server/ratelimit/RedisRateLimiter.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/Database.h"
#include "server/storage/RedisKeyValueStore.h"
#include "server/storage/SqlQuery.h"

#include <QElapsedTimer>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

SecurityServices::SecurityServices(const ServerConfig& config, Database& database, KeyValueStore& store,
                                   const AuditLog& auditLog, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_database(database)
    , m_store(store)
    , m_clock(clock)
    , m_metrics(m_registry)
{
    CounterFamily& databaseErrors = m_metrics.databaseErrors;
    CounterFamily& redisErrors = m_metrics.redisErrors;
    m_database.setErrorHook([&databaseErrors] { databaseErrors.only().increment(); });
    m_store.setErrorHook([&redisErrors] { redisErrors.only().increment(); });

    m_settings = new SecuritySettings(SecurityPolicy::fromConfig(config), database, store, auditLog, clock, this);
    std::unique_ptr<RateLimiter> primary;
    std::unique_ptr<RateLimiter> fallback;
    auto* redis = dynamic_cast<RedisKeyValueStore*>(&store);
    if (redis) {
        primary = std::make_unique<RedisRateLimiter>(*redis);
        fallback = std::make_unique<InProcessRateLimiter>(clock);
    } else {
        primary = std::make_unique<InProcessRateLimiter>(clock);
    }
    m_rateLimits = std::make_unique<RateLimitService>(*m_settings, std::move(primary), std::move(fallback),
                                                      config.ratelimit.redisFailureOpen, clock,
                                                      redis ? &store : nullptr);
    m_rateLimits->setRejectionCounter(&m_metrics.rateLimitRejections);
    m_guard = std::make_unique<PolicyRateLimitGuard>(*m_rateLimits);
    m_lockout = std::make_unique<AccountLockout>(store, *m_settings, auditLog, clock);
    m_lockout->setLockoutCounter(&m_metrics.lockouts);
    m_observer = std::make_unique<HttpMetricsObserver>(m_metrics);
    m_retention = new AuditRetention(auditLog, clock, config.audit.retentionDays, this);
}

SecurityServices::~SecurityServices()
{
    stop();
}

void SecurityServices::addReadiness(Readiness& readiness)
{
    RateLimitService* rateLimits = m_rateLimits.get();
    readiness.add(u"ratelimit"_s, [rateLimits] { return rateLimits->status(); });
}

void SecurityServices::registerRoutes(Router& router)
{
    if (!m_config.metrics.hasOwnListener())
        registerMetricsRoutes(router, m_registry, m_config.metrics.bearerToken);
}

quint16 SecurityServices::metricsPort() const
{
    return m_metricsServer ? m_metricsServer->port() : 0;
}

Result<void> SecurityServices::start(RequestPipeline& pipeline, const Readiness& readiness)
{
    pipeline.setRateLimitGuard(m_guard.get());
    pipeline.setObserver(m_observer.get());
    m_settings->start();
    m_retention->start();

    // Computed gauges: refreshed at most every 10 s however often Prometheus scrapes.
    auto lastRefresh = std::make_shared<QElapsedTimer>();
    auto refreshMutex = std::make_shared<QMutex>();
    const Database* database = &m_database;
    const Clock* clock = &m_clock;
    ServerMetrics* metrics = &m_metrics;
    const Readiness* checks = &readiness;
    m_registry.addCollector([=] {
        QMutexLocker locker(refreshMutex.get());
        if (lastRefresh->isValid() && lastRefresh->elapsed() < 10000)
            return;
        lastRefresh->start();
        SqlQuery sessions = database->prepare(
            u"SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > :now"_s);
        sessions.bind(u":now"_s, clock->now().toMSecsSinceEpoch());
        if (sessions.exec() && sessions.next())
            metrics->activeSessions.only().set(static_cast<double>(sessions.int64(0)));
        SqlQuery outbox = database->prepare(u"SELECT COUNT(*) FROM mail_outbox WHERE status IN ('pending', 'sending')"_s);
        if (outbox.exec() && outbox.next())
            metrics->mailOutboxDepth.only().set(static_cast<double>(outbox.int64(0)));
        for (const auto& [name, status] : checks->check().dependencies)
            metrics->dependencyUp.labels({name}).set(status.up ? 1.0 : 0.0);
    });

    if (m_config.metrics.hasOwnListener()) {
        m_metricsHttp = m_config.http;
        m_metricsHttp.host = m_config.metrics.listenHost;
        m_metricsHttp.port = m_config.metrics.listenPort;
        m_metricsHttp.threads = 1;
        m_metricsHttp.maxConnections = 64;
        registerMetricsRoutes(m_metricsRouter, m_registry, m_config.metrics.bearerToken);
        PipelineOptions options;
        options.accessLog = false; // scrapes every few seconds would drown the access log
        m_metricsPipeline = std::make_unique<RequestPipeline>(m_metricsRouter, options);
        m_metricsPool = std::make_unique<SlowWorkPool>(1, 8);
        m_metricsServer = std::make_unique<HttpServer>(m_metricsHttp, *m_metricsPipeline, *m_metricsPool, this);
        Database* database = &m_database;
        m_metricsServer->setThreadCleanup([database] { database->releaseThreadConnection(); });
        Result<quint16> port = m_metricsServer->start();
        if (!port)
            return Error::make(port.error().code, u"metrics listener: "_s + port.error().message);
        Log::info(u"metrics"_s, u"metrics listening"_s,
                  {{u"host"_s, m_metricsHttp.host}, {u"port"_s, *port}});
    }
    return success();
}

void SecurityServices::stop()
{
    if (m_metricsServer) {
        m_metricsServer->stop();
        m_metricsServer.reset();
    }
    m_metricsPool.reset();
}

} // namespace authshield::server
