#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

struct LockoutPolicy
{
    int maxFailures = 5;
    std::chrono::seconds window{900};
    std::chrono::seconds duration{900};
    bool escalate = true;
    std::chrono::seconds maxDuration{86400};
    bool operator==(const LockoutPolicy& other) const = default;
};

// The live security policy: rate-limit rules by policy name and the lockout rule. Starts from the config
// file and is overridden by the settings table (admin API), see SecuritySettings.
struct SecurityPolicy
{
    QMap<QString, RateLimitRule> rateLimits; // "login_ip" → 20/60s
    LockoutPolicy lockout;

    static QStringList policyNames(); // every known policy, in config order
    static SecurityPolicy fromConfig(const ServerConfig& config);

    std::optional<RateLimitRule> rule(const QString& policy) const;

    // Settings rows: "security.ratelimit" {"login_ip":{"count":20,"window_seconds":60},…} and
    // "security.lockout" {"max_failures":5,"window_seconds":900,"duration_seconds":900,"escalate":true,
    // "max_duration_seconds":86400}.
    QJsonObject rateLimitsJson() const;
    QJsonObject lockoutJson() const;

    // Applies a (partial) change {"ratelimit":{…},"lockout":{…}}; Error{ValidationFailed} with one field per
    // problem ("ratelimit.login_ip.count": "must be between 1 and 1000000"); nothing applied on error.
    Result<SecurityPolicy> changedBy(const QJsonObject& change) const;
    // Human-readable differences, "ratelimit.login_ip" → {"from":"20/60s","to":"10/60s"}.
    QJsonObject differencesTo(const SecurityPolicy& other) const;

    bool operator==(const SecurityPolicy& other) const = default;
};

QString formatRule(const RateLimitRule& rule); // "20/60s"

} // namespace authshield::server
