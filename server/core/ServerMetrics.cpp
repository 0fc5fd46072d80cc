#include "server/core/ServerMetrics.h"

#include "shared/Version.h"

#include <QDateTime>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

ServerMetrics::ServerMetrics(MetricsRegistry& r)
    : registry(r)
    , httpRequests(r.counter(u"authshield_http_requests_total"_s, u"HTTP requests answered"_s,
                             {u"route"_s, u"method"_s, u"status"_s}))
    , httpDuration(r.histogram(u"authshield_http_request_duration_seconds"_s,
                               u"Time from request received to answer serialised"_s, {u"route"_s},
                               MetricsRegistry::latencyBuckets()))
    , logins(r.counter(u"authshield_login_attempts_total"_s, u"Login attempts by outcome and reason"_s,
                       {u"outcome"_s, u"reason"_s}))
    , lockouts(r.counter(u"authshield_account_lockouts_total"_s, u"Accounts locked after repeated failed logins"_s))
    , rateLimitRejections(r.counter(u"authshield_ratelimit_rejections_total"_s,
                                    u"Requests refused by a rate-limit policy"_s, {u"policy"_s}))
    , refreshReuse(r.counter(u"authshield_refresh_token_reuse_total"_s,
                             u"Spent refresh tokens presented again (session family revoked)"_s))
    , activeSessions(r.gauge(u"authshield_active_sessions"_s, u"Sessions neither revoked nor expired"_s))
    , mailOutboxDepth(r.gauge(u"authshield_mail_outbox_pending"_s, u"Mails waiting in the outbox"_s))
    , mailFailures(r.counter(u"authshield_mail_delivery_failures_total"_s, u"Mail delivery attempts that failed"_s))
    , mailGivenUp(r.counter(u"authshield_mail_failed_total"_s,
                            u"Mails marked failed for good (permanent error or attempts exhausted)"_s))
    , databaseErrors(r.counter(u"authshield_database_errors_total"_s, u"Database operations that failed"_s))
    , redisErrors(r.counter(u"authshield_redis_errors_total"_s, u"Redis operations that failed"_s))
    , dependencyUp(r.gauge(u"authshield_dependency_up"_s, u"1 when the dependency answered its last check"_s,
                           {u"dependency"_s}))
    , buildInfo(r.gauge(u"authshield_build_info"_s, u"Always 1; labelled with the version"_s, {u"version"_s}))
    , startTime(r.gauge(u"process_start_time_seconds"_s, u"Start time of the process since the Unix epoch"_s))
{
    buildInfo.labels({versionString()}).set(1);
    startTime.only().set(static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0);
}

} // namespace authshield::server
