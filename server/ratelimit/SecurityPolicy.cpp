#include "server/ratelimit/SecurityPolicy.h"

#include <QJsonValue>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;
using std::chrono::seconds;

namespace {
constexpr qint64 kMaxCount = 1000000;
constexpr qint64 kMaxWindow = 30LL * 24 * 3600;
constexpr qint64 kMaxLockout = 30LL * 24 * 3600;

// A whole number in [min, max] or a reason.
std::optional<qint64> wholeNumber(const QJsonValue& value, qint64 min, qint64 max, const QString& name,
                                  QMap<QString, QString>& problems)
{
    const double number = value.toDouble(-1.0);
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number)) || number < min
        || number > max) {
        problems.insert(name, u"must be a whole number between %1 and %2"_s.arg(min).arg(max));
        return std::nullopt;
    }
    return static_cast<qint64>(number);
}
} // namespace

QString formatRule(const RateLimitRule& rule)
{
    return QString::number(rule.count) + u'/' + QString::number(rule.window.count()) + u's';
}

QStringList SecurityPolicy::policyNames()
{
    return {u"login_ip"_s,       u"login_account"_s, u"register_ip"_s, u"forgot_ip"_s, u"forgot_account"_s,
            u"resend_ip"_s,      u"refresh_ip"_s,    u"verify_ip"_s,   u"global_ip"_s,
            u"mfa_ip"_s};
}

SecurityPolicy SecurityPolicy::fromConfig(const ServerConfig& config)
{
    const RateLimitConfig& r = config.ratelimit;
    SecurityPolicy policy;
    policy.rateLimits = {{u"login_ip"_s, r.loginIp},       {u"login_account"_s, r.loginAccount},
                         {u"register_ip"_s, r.registerIp}, {u"forgot_ip"_s, r.forgotIp},
                         {u"forgot_account"_s, r.forgotAccount}, {u"resend_ip"_s, r.resendIp},
                         {u"refresh_ip"_s, r.refreshIp},   {u"verify_ip"_s, r.verifyIp},
                         {u"global_ip"_s, r.globalIp},     {u"mfa_ip"_s, r.mfaIp}};
    const LockoutConfig& l = config.lockout;
    policy.lockout = LockoutPolicy{l.maxFailures, l.window, l.duration, l.escalate, l.maxDuration};
    return policy;
}

std::optional<RateLimitRule> SecurityPolicy::rule(const QString& policy) const
{
    const auto it = rateLimits.constFind(policy);
    if (it == rateLimits.cend())
        return std::nullopt;
    return *it;
}

QJsonObject SecurityPolicy::rateLimitsJson() const
{
    QJsonObject object;
    for (auto it = rateLimits.cbegin(); it != rateLimits.cend(); ++it)
        object.insert(it.key(), QJsonObject{{u"count"_s, it->count},
                                            {u"window_seconds"_s, static_cast<qint64>(it->window.count())}});
    return object;
}

QJsonObject SecurityPolicy::lockoutJson() const
{
    return QJsonObject{{u"max_failures"_s, lockout.maxFailures},
                       {u"window_seconds"_s, static_cast<qint64>(lockout.window.count())},
                       {u"duration_seconds"_s, static_cast<qint64>(lockout.duration.count())},
                       {u"escalate"_s, lockout.escalate},
                       {u"max_duration_seconds"_s, static_cast<qint64>(lockout.maxDuration.count())}};
}

Result<SecurityPolicy> SecurityPolicy::changedBy(const QJsonObject& change) const
{
    SecurityPolicy next = *this;
    QMap<QString, QString> problems;
    for (auto it = change.begin(); it != change.end(); ++it) {
        if (it.key() != "ratelimit"_L1 && it.key() != "lockout"_L1)
            problems.insert(it.key(), u"unknown section (ratelimit or lockout)"_s);
        else if (!it.value().isObject())
            problems.insert(it.key(), u"must be an object"_s);
    }

    const QJsonObject limits = change.value(u"ratelimit"_s).toObject();
    for (auto it = limits.begin(); it != limits.end(); ++it) {
        const QString name = u"ratelimit."_s + it.key();
        if (!rateLimits.contains(it.key())) {
            problems.insert(name, u"unknown policy"_s);
            continue;
        }
        if (!it.value().isObject()) {
            problems.insert(name, u"must be an object {count, window_seconds}"_s);
            continue;
        }
        const QJsonObject rule = it.value().toObject();
        RateLimitRule& target = next.rateLimits[it.key()];
        for (auto field = rule.begin(); field != rule.end(); ++field) {
            if (field.key() == "count"_L1) {
                if (auto count = wholeNumber(field.value(), 1, kMaxCount, name + u".count"_s, problems))
                    target.count = static_cast<int>(*count);
            } else if (field.key() == "window_seconds"_L1) {
                if (auto window = wholeNumber(field.value(), 1, kMaxWindow, name + u".window_seconds"_s, problems))
                    target.window = seconds(*window);
            } else {
                problems.insert(name + u'.' + field.key(), u"unknown field"_s);
            }
        }
    }

    const QJsonObject lockoutChange = change.value(u"lockout"_s).toObject();
    for (auto it = lockoutChange.begin(); it != lockoutChange.end(); ++it) {
        const QString name = u"lockout."_s + it.key();
        if (it.key() == "max_failures"_L1) {
            if (auto n = wholeNumber(it.value(), 1, 1000, name, problems))
                next.lockout.maxFailures = static_cast<int>(*n);
        } else if (it.key() == "window_seconds"_L1) {
            if (auto n = wholeNumber(it.value(), 1, kMaxLockout, name, problems))
                next.lockout.window = seconds(*n);
        } else if (it.key() == "duration_seconds"_L1) {
            if (auto n = wholeNumber(it.value(), 1, kMaxLockout, name, problems))
                next.lockout.duration = seconds(*n);
        } else if (it.key() == "max_duration_seconds"_L1) {
            if (auto n = wholeNumber(it.value(), 1, kMaxLockout, name, problems))
                next.lockout.maxDuration = seconds(*n);
        } else if (it.key() == "escalate"_L1) {
            if (it.value().isBool())
                next.lockout.escalate = it.value().toBool();
            else
                problems.insert(name, u"must be true or false"_s);
        } else {
            problems.insert(name, u"unknown field"_s);
        }
    }
    if (problems.isEmpty() && next.lockout.maxDuration < next.lockout.duration)
        problems.insert(u"lockout.max_duration_seconds"_s, u"must not be shorter than duration_seconds"_s);

    if (!problems.isEmpty()) {
        Error error = Error::make(ErrorCode::ValidationFailed, u"the security settings are not valid"_s);
        error.fields = problems;
        return error;
    }
    return next;
}

QJsonObject SecurityPolicy::differencesTo(const SecurityPolicy& other) const
{
    QJsonObject differences;
    for (auto it = rateLimits.cbegin(); it != rateLimits.cend(); ++it) {
        const RateLimitRule after = other.rateLimits.value(it.key());
        if (!(after == *it))
            differences.insert(u"ratelimit."_s + it.key(),
                               QJsonObject{{u"from"_s, formatRule(*it)}, {u"to"_s, formatRule(after)}});
    }
    const QJsonObject before = lockoutJson();
    const QJsonObject after = other.lockoutJson();
    for (auto it = before.begin(); it != before.end(); ++it) {
        if (after.value(it.key()) != it.value())
            differences.insert(u"lockout."_s + it.key(),
                               QJsonObject{{u"from"_s, it.value()}, {u"to"_s, after.value(it.key())}});
    }
    return differences;
}

} // namespace authshield::server
