#pragma once

#include "server/core/Metrics.h"

namespace authshield::server {

// The metric families AuthShield exports, registered once; services receive this and count into it.
// Names are part of the contract with resources/observability (alert rules and dashboard).
struct ServerMetrics
{
    explicit ServerMetrics(MetricsRegistry& registry);

    MetricsRegistry& registry;
    CounterFamily& httpRequests; // route, method, status
    HistogramFamily& httpDuration; // route
    CounterFamily& logins; // outcome (success|failure), reason
    CounterFamily& lockouts;
    CounterFamily& rateLimitRejections; // policy
    CounterFamily& refreshReuse;
    GaugeFamily& activeSessions;
    GaugeFamily& mailOutboxDepth;
    CounterFamily& mailFailures; // every failed delivery attempt (retried or not)
    CounterFamily& mailGivenUp; // mails marked failed for good
    CounterFamily& databaseErrors;
    CounterFamily& redisErrors;
    GaugeFamily& dependencyUp; // dependency
    GaugeFamily& buildInfo; // version
    GaugeFamily& startTime;
};

} // namespace authshield::server
