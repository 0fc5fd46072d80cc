#pragma once

#include "server/core/Config.h"
#include "server/core/Metrics.h"
#include "server/core/Readiness.h"
#include "server/core/ServerMetrics.h"
#include "server/http/Router.h"
#include "shared/Result.h"

#include <QObject>

#include <memory>

namespace authshield::server {

class AccountLockout;
class AuditLog;
class AuditRetention;
class Clock;
class Database;
class HttpMetricsObserver;
class HttpServer;
class KeyValueStore;
class PolicyRateLimitGuard;
class RateLimitService;
class RequestPipeline;
class SecuritySettings;
class SlowWorkPool;

// Abuse protection and observability, wired once for ServerContext: live security settings, rate limiting
// (guard + service for per-account policies), account lockout, metrics (registry, HTTP observer, /metrics on
// the main or its own listener), audit retention.
class SecurityServices final : public QObject
{
    Q_OBJECT

public:
    SecurityServices(const ServerConfig& config, Database& database, KeyValueStore& store, const AuditLog& auditLog,
                     const Clock& clock, QObject* parent);
    ~SecurityServices() override;

    // Readiness entries ("ratelimit") and the routes of the main listener (/metrics unless it has its own).
    void addReadiness(Readiness& readiness);
    void registerRoutes(Router& router);
    // Guard and observer on the main pipeline; starts settings watch, retention and the metrics listener.
    Result<void> start(RequestPipeline& pipeline, const Readiness& readiness);
    void stop();

    MetricsRegistry& metricsRegistry() { return m_registry; }
    ServerMetrics& metrics() { return m_metrics; }
    SecuritySettings& settings() { return *m_settings; }
    RateLimitService& rateLimits() { return *m_rateLimits; }
    AccountLockout& lockout() { return *m_lockout; }
    quint16 metricsPort() const;

private:
    const ServerConfig& m_config;
    Database& m_database;
    KeyValueStore& m_store;
    const Clock& m_clock;
    MetricsRegistry m_registry;
    ServerMetrics m_metrics;
    SecuritySettings* m_settings = nullptr;
    std::unique_ptr<RateLimitService> m_rateLimits;
    std::unique_ptr<PolicyRateLimitGuard> m_guard;
    std::unique_ptr<AccountLockout> m_lockout;
    std::unique_ptr<HttpMetricsObserver> m_observer;
    AuditRetention* m_retention = nullptr;
    // The separate metrics listener ([metrics] listen).
    HttpConfig m_metricsHttp;
    Router m_metricsRouter;
    std::unique_ptr<RequestPipeline> m_metricsPipeline;
    std::unique_ptr<SlowWorkPool> m_metricsPool;
    std::unique_ptr<HttpServer> m_metricsServer;
};

} // namespace authshield::server
