#include "server/core/ConfigKeys.h"

#include "server/core/Duration.h"

#include <QHostAddress>
#include <QUrl>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
const milliseconds tenMinutes = std::chrono::minutes(10);
const milliseconds oneHour = std::chrono::hours(1);
const milliseconds oneYear = std::chrono::hours(24 * 365);

using Validator = std::function<QString(const QString& text)>;

QString quoted(const QString& text)
{
    return u'"' + text + u'"';
}

// The table binds each row to its field with an accessor lambda `[](auto& c) -> auto& { return c.http.threads; }`;
// show() only reads through it.
template<typename Get> auto& field(Get get, const ServerConfig& config)
{
    return get(const_cast<ServerConfig&>(config));
}

ConfigKey row(QString section, QString name, QString help)
{
    ConfigKey key;
    key.section = std::move(section);
    key.name = std::move(name);
    key.help = std::move(help);
    return key;
}

template<typename Get>
ConfigKey stringKey(QString section, QString name, QString help, Get get, Validator validate = {})
{
    ConfigKey key = row(std::move(section), std::move(name), std::move(help));
    key.assign = [get, validate](const QString& text, ServerConfig& config) {
        const QString value = text.trimmed();
        if (validate) {
            const QString reason = validate(value);
            if (!reason.isEmpty())
                return reason;
        }
        get(config) = value;
        return QString();
    };
    key.show = [get](const ServerConfig& config) { return field(get, config); };
    return key;
}

template<typename Get>
ConfigKey secretKey(QString section, QString name, QString help, Get get, Validator validate = {})
{
    ConfigKey key = row(std::move(section), std::move(name), std::move(help));
    key.secret = true;
    // Secrets are kept byte-exact (no trimming beyond the trailing newline of a file).
    key.assign = [get, validate = std::move(validate)](const QString& text, ServerConfig& config) {
        if (validate && !text.isEmpty()) { // empty = not set
            const QString reason = validate(text);
            if (!reason.isEmpty())
                return reason;
        }
        get(config) = text;
        return QString();
    };
    key.show
        = [get](const ServerConfig& config) { return field(get, config).isEmpty() ? u"<not set>"_s : u"********"_s; };
    return key;
}

template<typename Get> ConfigKey choiceKey(QString section, QString name, QString help, Get get, QStringList choices)
{
    return stringKey(std::move(section), std::move(name), std::move(help), get, [choices](const QString& value) {
        return choices.contains(value) ? QString() : quoted(value) + u" is not one of "_s + choices.join(u", "_s);
    });
}

std::optional<bool> parseBool(const QString& text)
{
    const QString value = text.trimmed().toLower();
    if (value == "true"_L1 || value == "yes"_L1 || value == "on"_L1 || value == "1"_L1)
        return true;
    if (value == "false"_L1 || value == "no"_L1 || value == "off"_L1 || value == "0"_L1)
        return false;
    return std::nullopt;
}

template<typename Get> ConfigKey boolKey(QString section, QString name, QString help, Get get)
{
    ConfigKey key = row(std::move(section), std::move(name), std::move(help));
    key.assign = [get](const QString& text, ServerConfig& config) {
        const auto value = parseBool(text);
        if (!value)
            return quoted(text.trimmed()) + u" is not a boolean (true or false)"_s;
        get(config) = *value;
        return QString();
    };
    key.show = [get](const ServerConfig& config) { return field(get, config) ? u"true"_s : u"false"_s; };
    return key;
}

QString rangeText(qint64 min, qint64 max)
{
    auto sized = [](qint64 n) {
        if (n >= MiB && n % MiB == 0)
            return QString::number(n) + u" ("_s + QString::number(n / MiB) + u" MiB)"_s;
        if (n >= KiB && n % KiB == 0 && n != 1000)
            return QString::number(n) + u" ("_s + QString::number(n / KiB) + u" KiB)"_s;
        return QString::number(n);
    };
    return u"must be between "_s + sized(min) + u" and "_s + sized(max);
}

template<typename Get> ConfigKey intKey(QString section, QString name, QString help, Get get, qint64 min, qint64 max)
{
    ConfigKey key = row(std::move(section), std::move(name), std::move(help));
    key.assign = [get, min, max](const QString& text, ServerConfig& config) {
        const QString value = text.trimmed();
        bool ok = false;
        const qint64 number = value.toLongLong(&ok);
        if (!ok)
            return quoted(value) + u" is not a whole number"_s;
        if (number < min || number > max)
            return quoted(value) + u" is out of range: "_s + rangeText(min, max);
        using Field = std::remove_reference_t<decltype(get(config))>;
        get(config) = static_cast<Field>(number);
        return QString();
    };
    key.show = [get](const ServerConfig& config) { return QString::number(field(get, config)); };
    return key;
}

// Works for fields of std::chrono::seconds and std::chrono::milliseconds.
template<typename Get>
ConfigKey durationKey(QString section, QString name, QString help, Get get, milliseconds min, milliseconds max)
{
    ConfigKey key = row(std::move(section), std::move(name), std::move(help));
    key.assign = [get, min, max](const QString& text, ServerConfig& config) {
        const QString value = text.trimmed();
        const auto parsed = Duration::parse(value);
        if (!parsed)
            return quoted(value) + u" is not a duration (like 900, 30s, 15m, 2h, 7d or 500ms)"_s;
        using Field = std::remove_reference_t<decltype(get(config))>;
        if (std::chrono::duration_cast<Field>(*parsed) != *parsed)
            return quoted(value) + u" must be whole seconds"_s;
        if (*parsed < min || *parsed > max) {
            const QString lower = min.count() == 1 ? u"more than 0"_s : u"at least "_s + Duration::format(min);
            return quoted(value) + u" is out of range: must be "_s + lower + u" and at most "_s + Duration::format(max)
                + u" (a bare number means seconds)"_s;
        }
        get(config) = std::chrono::duration_cast<Field>(*parsed);
        return QString();
    };
    key.show = [get](const ServerConfig& config) {
        return Duration::format(std::chrono::duration_cast<milliseconds>(field(get, config)));
    };
    return key;
}

template<typename Get> ConfigKey rateKey(QString name, QString help, Get get)
{
    ConfigKey key = row(u"ratelimit"_s, std::move(name), std::move(help));
    key.assign = [get](const QString& text, ServerConfig& config) {
        const QString value = text.trimmed();
        const QString expected = quoted(value) + u" is not <count>/<window> like 10/60s"_s;
        const qsizetype slash = value.indexOf(u'/');
        if (slash < 0)
            return expected;
        bool ok = false;
        const qint64 count = value.left(slash).trimmed().toLongLong(&ok);
        const auto window = Duration::parse(value.mid(slash + 1));
        if (!ok || !window)
            return expected;
        if (count < 1 || count > 1000000000)
            return quoted(value) + u": the count must be between 1 and 1000000000"_s;
        if (*window < seconds(1) || *window > std::chrono::hours(24 * 30)
            || std::chrono::duration_cast<seconds>(*window) != *window)
            return quoted(value) + u": the window must be whole seconds between 1s and 30d"_s;
        get(config) = RateLimitRule { static_cast<int>(count), std::chrono::duration_cast<seconds>(*window) };
        return QString();
    };
    key.show = [get](const ServerConfig& config) {
        const RateLimitRule& rule = field(get, config);
        return QString::number(rule.count) + u'/' + Duration::format(rule.window);
    };
    return key;
}

// URLs are quoted in messages without any password they carry.
QString quotedUrl(const QString& value)
{
    const QUrl url(value);
    return quoted(url.isValid() && !url.password().isEmpty() ? url.toString(QUrl::RemovePassword) : value);
}

QString passwordInUrlProblem(const QUrl& url, const QString& secretKey)
{
    if (url.password().isEmpty())
        return {};
    return u"the URL contains a password; set "_s + secretKey + u" (or its _file form) instead"_s;
}

Validator urlValidator(QStringList schemes, QString passwordKey = {})
{
    return [schemes, passwordKey](const QString& value) -> QString {
        if (value.isEmpty())
            return {};
        const QUrl url(value, QUrl::StrictMode);
        if (!url.isValid() || !schemes.contains(url.scheme()))
            return quotedUrl(value) + u" is not a URL starting with "_s + schemes.join(u"://, "_s) + u"://"_s;
        if (url.host().isEmpty())
            return quotedUrl(value) + u" has no host"_s;
        if (!passwordKey.isEmpty())
            return passwordInUrlProblem(url, passwordKey);
        return {};
    };
}

QString databaseUrlProblem(const QString& value)
{
    if (value.isEmpty())
        return {};
    const QUrl url(value, QUrl::StrictMode);
    if (url.isValid() && url.scheme() == "sqlite"_L1) {
        if (!url.host().isEmpty() || url.path().size() < 2)
            return quoted(value) + u" is not sqlite:///absolute/path.db (three slashes)"_s;
        return {};
    }
    if (url.isValid() && (url.scheme() == "postgresql"_L1 || url.scheme() == "postgres"_L1)) {
        if (url.host().isEmpty())
            return quotedUrl(value) + u" has no host"_s;
        return passwordInUrlProblem(url, u"database.password"_s);
    }
    return quotedUrl(value) + u" is not sqlite:///path or postgresql://user@host:port/database"_s;
}

QString encryptionKeyProblem(const QString& value)
{
    const auto decoded
        = QByteArray::fromBase64Encoding(value.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 32)
        return u"must be 32 bytes encoded as base64 (e.g. head -c 32 /dev/urandom | base64)"_s;
    return {};
}

// "host:port" with an IP host (IPv6 bracketed; localhost accepted); returns why not, or an empty string.
QString parseListen(const QString& text, QString* hostOut, quint16* portOut)
{
    const QString value = text.trimmed();
    const qsizetype colon = value.lastIndexOf(u':');
    if (colon <= 0)
        return quoted(value) + u" is not host:port (IPv6 as [::1]:8080)"_s;
    QString host = value.left(colon);
    const QString portText = value.mid(colon + 1);
    const bool bracketed = host.startsWith(u'[') && host.endsWith(u']');
    if (bracketed)
        host = host.mid(1, host.size() - 2);
    if (host == "localhost"_L1)
        host = u"127.0.0.1"_s;
    const QHostAddress address(host);
    if (address.isNull() || (address.protocol() == QAbstractSocket::IPv6Protocol) != bracketed)
        return quoted(value) + u" is not host:port with an IP address host (IPv6 as [::1]:8080)"_s;
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535)
        return quoted(value) + u": the port must be between 0 and 65535"_s;
    *hostOut = address.toString();
    *portOut = static_cast<quint16>(port);
    return QString();
}

ConfigKey listenKey()
{
    ConfigKey key = row(u"http"_s, u"listen"_s,
                        u"Address and port to listen on, host:port; IPv6 as [::1]:8080; port 0 "
                        u"picks a free port"_s);
    key.assign = [](const QString& text, ServerConfig& config) {
        return parseListen(text, &config.http.host, &config.http.port);
    };
    key.show = [](const ServerConfig& config) { return formatListen(config.http.host, config.http.port); };
    return key;
}

ConfigKey metricsListenKey()
{
    ConfigKey key = row(u"metrics"_s, u"listen"_s,
                        u"Serve GET /metrics on its own host:port (e.g. a private interface) instead of the main "
                        u"listener; empty = main listener"_s);
    key.assign = [](const QString& text, ServerConfig& config) {
        if (text.trimmed().isEmpty()) {
            config.metrics.listenHost.clear();
            config.metrics.listenPort = 0;
            return QString();
        }
        return parseListen(text, &config.metrics.listenHost, &config.metrics.listenPort);
    };
    key.show = [](const ServerConfig& config) {
        return config.metrics.hasOwnListener() ? formatListen(config.metrics.listenHost, config.metrics.listenPort)
                                               : QString();
    };
    return key;
}

ConfigKey redisFailureKey()
{
    ConfigKey key = row(u"ratelimit"_s, u"redis_failure"_s,
                        u"open | closed: with Redis down, open falls back to per-process limits (reported in "
                        u"/ready), closed answers 503 on rate-limited routes"_s);
    key.assign = [](const QString& text, ServerConfig& config) {
        const QString value = text.trimmed();
        if (value != "open"_L1 && value != "closed"_L1)
            return quoted(value) + u" is not one of open, closed"_s;
        config.ratelimit.redisFailureOpen = value == "open"_L1;
        return QString();
    };
    key.show = [](const ServerConfig& config) { return config.ratelimit.redisFailureOpen ? u"open"_s : u"closed"_s; };
    return key;
}

ConfigKey trustedProxiesKey()
{
    ConfigKey key = row(u"http"_s, u"trusted_proxies"_s,
                        u"Comma-separated CIDRs whose X-Forwarded-For is honoured, e.g. 10.0.0.0/8, ::1"_s);
    key.assign = [](const QString& text, ServerConfig& config) {
        QList<Cidr> ranges;
        QStringList bad;
        for (const QString& part : text.split(u',', Qt::SkipEmptyParts)) {
            if (part.trimmed().isEmpty())
                continue;
            const auto cidr = Cidr::parse(part);
            if (cidr)
                ranges.append(*cidr);
            else
                bad.append(quoted(part.trimmed()));
        }
        if (!bad.isEmpty())
            return bad.join(u", "_s) + u" is not an address range like 10.0.0.0/8 or ::1"_s;
        config.http.trustedProxies = ranges;
        return QString();
    };
    key.show = [](const ServerConfig& config) {
        QStringList parts;
        for (const Cidr& cidr : config.http.trustedProxies)
            parts.append(cidr.toString());
        return parts.join(u", "_s);
    };
    return key;
}

ConfigKey mfaRequiredRolesKey()
{
    ConfigKey key = row(u"mfa"_s, u"required_roles"_s,
                        u"Comma-separated roles whose users must use two-factor authentication (default of the live "
                        u"setting, changed through the admin API); empty = none"_s);
    key.assign = [](const QString& text, ServerConfig& config) {
        QStringList roles;
        for (const QString& part : text.split(u',', Qt::SkipEmptyParts)) {
            const QString role = part.trimmed();
            if (role.isEmpty())
                continue;
            if (role.size() > 64 || role.contains(u' '))
                return quoted(role) + u" is not a role name"_s;
            if (!roles.contains(role))
                roles.append(role);
        }
        config.mfa.requiredRoles = roles;
        return QString();
    };
    key.show = [](const ServerConfig& config) { return config.mfa.requiredRoles.join(u", "_s); };
    return key;
}

ConfigKey profileKey()
{
    ConfigKey key = row(u"server"_s, u"profile"_s, u"dev | test | prod; prod refuses to start with unsafe settings"_s);
    key.envAliases = { u"AUTHSHIELD_ENV"_s };
    key.assign = [](const QString& text, ServerConfig& config) {
        const auto profile = parseProfile(text.trimmed());
        if (!profile)
            return quoted(text.trimmed()) + u" is not one of dev, test, prod"_s;
        config.profile = *profile;
        return QString();
    };
    key.show = [](const ServerConfig& config) { return profileName(config.profile); };
    return key;
}

QList<ConfigKey> buildKeys()
{
    QList<ConfigKey> keys;
    keys << profileKey();

    ConfigKey dataDir = stringKey(
        u"server"_s, u"data_dir"_s,
        u"Data directory (SQLite database, generated keys, mail); default ./var when the "
        u"current directory is writable, else $XDG_DATA_HOME/authshield"_s,
        [](auto& c) -> auto& { return c.dataDir; });
    dataDir.envAliases = { u"AUTHSHIELD_DATA_DIR"_s };
    keys << dataDir;

    ConfigKey publicUrl = stringKey(
        u"server"_s, u"public_url"_s,
        u"External base URL; the token issuer and base of mail links. Required in prod "
        u"(https); dev default http://<listen address>"_s,
        [](auto& c) -> auto& { return c.publicUrl; }, urlValidator({ u"http"_s, u"https"_s }));
    publicUrl.envAliases = { u"AUTHSHIELD_PUBLIC_URL"_s };
    keys << publicUrl;

    keys << stringKey(
        u"server"_s, u"frontend_url"_s,
        u"Base URL of the links in mails ({frontend_url}/verify-email?token=…); default the public URL"_s,
        [](auto& c) -> auto& { return c.frontendUrl; }, urlValidator({ u"http"_s, u"https"_s }));

    keys << boolKey(
        u"server"_s, u"api_docs"_s, u"Serve GET /openapi.json; default true in dev/test, false in prod"_s,
        [](auto& c) -> auto& { return c.apiDocs; });

    keys << listenKey()
         << intKey(
                u"http"_s, u"threads"_s, u"HTTP worker threads; 0 = one per CPU core"_s,
                [](auto& c) -> auto& { return c.http.threads; }, 0, 64)
         << intKey(
                u"http"_s, u"max_body_bytes"_s, u"Largest request body accepted (413 beyond)"_s,
                [](auto& c) -> auto& { return c.http.maxBodyBytes; }, KiB, 64 * MiB)
         << intKey(
                u"http"_s, u"max_header_bytes"_s, u"Largest request head accepted (431 beyond)"_s,
                [](auto& c) -> auto& { return c.http.maxHeaderBytes; }, KiB, MiB)
         << intKey(
                u"http"_s, u"max_connections"_s, u"Open connections per process; more are closed at accept"_s,
                [](auto& c) -> auto& { return c.http.maxConnections; }, 1, 1000000)
         << durationKey(
                u"http"_s, u"header_timeout"_s, u"Time allowed for a whole request (head and body) to arrive; slower clients get 408"_s,
                [](auto& c) -> auto& { return c.http.headerTimeout; }, milliseconds(1), oneHour)
         << durationKey(
                u"http"_s, u"idle_timeout"_s, u"Keep-alive connections idle this long are closed"_s,
                [](auto& c) -> auto& { return c.http.idleTimeout; }, milliseconds(1), oneHour)
         << intKey(
                u"http"_s, u"max_requests_per_connection"_s, u"Requests served on one keep-alive connection"_s,
                [](auto& c) -> auto& { return c.http.maxRequestsPerConnection; }, 1, 10000000)
         << trustedProxiesKey()
         << intKey(
                u"http"_s, u"slow_pool_threads"_s,
                u"Threads for slow work (Argon2, SMTP, exports); 0 = one per CPU core"_s,
                [](auto& c) -> auto& { return c.http.slowPoolThreads; }, 0, 64)
         << intKey(
                u"http"_s, u"slow_pool_max_in_flight"_s, u"Queued slow jobs before answering 503"_s,
                [](auto& c) -> auto& { return c.http.slowPoolMaxInFlight; }, 1, 100000);

    keys << stringKey(
        u"database"_s, u"url"_s,
        u"sqlite:///absolute/path.db or postgresql://user@host:port/database; default "
        u"sqlite:///<data dir>/authshield.db (prod must set it)"_s,
        [](auto& c) -> auto& { return c.database.url; }, databaseUrlProblem)
         << secretKey(
                u"database"_s, u"password"_s, u"PostgreSQL password"_s,
                [](auto& c) -> auto& { return c.database.password; })
         << durationKey(
                u"database"_s, u"busy_timeout"_s, u"How long SQLite waits for a lock"_s,
                [](auto& c) -> auto& { return c.database.busyTimeout; }, milliseconds(0), tenMinutes)
         << durationKey(
                u"database"_s, u"connect_timeout"_s, u"Connection timeout"_s,
                [](auto& c) -> auto& { return c.database.connectTimeout; }, milliseconds(1), tenMinutes);

    keys << stringKey(
        u"redis"_s, u"url"_s, u"redis://host:port/db; empty = in-process stores (one instance only)"_s,
        [](auto& c) -> auto& { return c.redis.url; }, urlValidator({ u"redis"_s }, u"redis.password"_s))
         << secretKey(
                u"redis"_s, u"password"_s, u"Redis AUTH password"_s, [](auto& c) -> auto& { return c.redis.password; })
         << durationKey(
                u"redis"_s, u"connect_timeout"_s, u"Connection timeout"_s,
                [](auto& c) -> auto& { return c.redis.connectTimeout; }, milliseconds(1), tenMinutes)
         << durationKey(
                u"redis"_s, u"command_timeout"_s, u"Timeout of one command"_s,
                [](auto& c) -> auto& { return c.redis.commandTimeout; }, milliseconds(1), tenMinutes);

    keys << choiceKey(u"log"_s, u"level"_s, u"debug | info | warning | error"_s,
                      [](auto& c) -> auto& { return c.log.level; },
                      { u"debug"_s, u"info"_s, u"warning"_s, u"error"_s });

    keys << stringKey(
        u"tokens"_s, u"audience"_s, u"aud claim of access tokens"_s, [](auto& c) -> auto& { return c.tokens.audience; },
        [](const QString& value) { return value.isEmpty() ? u"must not be empty"_s : QString(); })
         << durationKey(
                u"tokens"_s, u"access_ttl"_s, u"Access token lifetime"_s,
                [](auto& c) -> auto& { return c.tokens.accessTtl; }, seconds(1), oneYear)
         << durationKey(
                u"tokens"_s, u"refresh_ttl"_s, u"Absolute lifetime of a session's refresh tokens"_s,
                [](auto& c) -> auto& { return c.tokens.refreshTtl; }, seconds(1), oneYear)
         << durationKey(
                u"tokens"_s, u"refresh_idle_ttl"_s, u"A refresh token unused this long expires"_s,
                [](auto& c) -> auto& { return c.tokens.refreshIdleTtl; }, seconds(1), oneYear)
         << durationKey(
                u"tokens"_s, u"refresh_reuse_grace"_s,
                u"Window in which a just-rotated refresh token is not treated as reuse; 0 = none"_s,
                [](auto& c) -> auto& { return c.tokens.refreshReuseGrace; }, seconds(0), oneHour)
         << choiceKey(u"tokens"_s, u"algorithm"_s, u"EdDSA | ES256 | RS256 | HS256 (HS256 needs hmac_secret)"_s,
                      [](auto& c) -> auto& { return c.tokens.algorithm; },
                      { u"EdDSA"_s, u"ES256"_s, u"RS256"_s, u"HS256"_s })
         << secretKey(
                u"tokens"_s, u"hmac_secret"_s, u"HS256 key, at least 32 bytes; only with algorithm = HS256"_s,
                [](auto& c) -> auto& { return c.tokens.hmacSecret; })
         << durationKey(
                u"tokens"_s, u"key_rotation_interval"_s, u"Rotate signing keys this often; 0 = only by `keys rotate`"_s,
                [](auto& c) -> auto& { return c.tokens.keyRotationInterval; }, seconds(0), oneYear);

    keys << intKey(
        u"password"_s, u"min_length"_s, u"Minimum password length in characters (NIST: at least 8)"_s,
        [](auto& c) -> auto& { return c.password.minLength; }, 8, 128)
         << intKey(
                u"password"_s, u"max_bytes"_s, u"Longest password accepted, in UTF-8 bytes"_s,
                [](auto& c) -> auto& { return c.password.maxBytes; }, 64, 4096)
         << intKey(
                u"password"_s, u"argon2_memory_kib"_s, u"Argon2id memory cost in KiB (OWASP: 19456)"_s,
                [](auto& c) -> auto& { return c.password.argon2MemoryKiB; }, 8 * KiB, 4 * MiB)
         << intKey(
                u"password"_s, u"argon2_iterations"_s, u"Argon2id time cost"_s,
                [](auto& c) -> auto& { return c.password.argon2Iterations; }, 1, 100);

    keys << rateKey(
        u"login_ip"_s, u"Login attempts per client IP"_s, [](auto& c) -> auto& { return c.ratelimit.loginIp; })
         << rateKey(
                u"login_account"_s, u"Login attempts per submitted email"_s,
                [](auto& c) -> auto& { return c.ratelimit.loginAccount; })
         << rateKey(
                u"register_ip"_s, u"Registrations per client IP"_s,
                [](auto& c) -> auto& { return c.ratelimit.registerIp; })
         << rateKey(
                u"forgot_ip"_s, u"Password-reset requests per client IP"_s,
                [](auto& c) -> auto& { return c.ratelimit.forgotIp; })
         << rateKey(
                u"forgot_account"_s, u"Password-reset requests per email"_s,
                [](auto& c) -> auto& { return c.ratelimit.forgotAccount; })
         << rateKey(
                u"resend_ip"_s, u"Verification resends per client IP"_s,
                [](auto& c) -> auto& { return c.ratelimit.resendIp; })
         << rateKey(
                u"refresh_ip"_s, u"Token refreshes per client IP"_s,
                [](auto& c) -> auto& { return c.ratelimit.refreshIp; })
         << rateKey(
                u"verify_ip"_s, u"Email verifications per client IP"_s,
                [](auto& c) -> auto& { return c.ratelimit.verifyIp; })
         << rateKey(
                u"global_ip"_s, u"All requests per client IP"_s, [](auto& c) -> auto& { return c.ratelimit.globalIp; })
         << rateKey(
                u"mfa_ip"_s, u"Second-factor codes per client IP (login step, enrolment, disabling)"_s,
                [](auto& c) -> auto& { return c.ratelimit.mfaIp; })
         << redisFailureKey();

    keys << intKey(
        u"lockout"_s, u"max_failures"_s, u"Failed logins of one account within the window that lock it"_s,
        [](auto& c) -> auto& { return c.lockout.maxFailures; }, 1, 1000)
         << durationKey(
                u"lockout"_s, u"window"_s, u"Window in which failed logins are counted"_s,
                [](auto& c) -> auto& { return c.lockout.window; }, seconds(1), std::chrono::hours(24))
         << durationKey(
                u"lockout"_s, u"duration"_s, u"How long a lockout lasts"_s,
                [](auto& c) -> auto& { return c.lockout.duration; }, seconds(1), std::chrono::hours(24))
         << boolKey(
                u"lockout"_s, u"escalate"_s, u"Double the duration for each further lockout within a day"_s,
                [](auto& c) -> auto& { return c.lockout.escalate; })
         << durationKey(
                u"lockout"_s, u"max_duration"_s, u"Upper bound of an escalated lockout"_s,
                [](auto& c) -> auto& { return c.lockout.maxDuration; }, seconds(1), std::chrono::hours(24 * 30));

    keys << secretKey(
        u"metrics"_s, u"bearer_token"_s,
        u"When set, GET /metrics needs Authorization: Bearer <token> (prod needs this or metrics.listen)"_s,
        [](auto& c) -> auto& { return c.metrics.bearerToken; })
         << metricsListenKey();

    keys << intKey(
        u"audit"_s, u"retention_days"_s,
        u"Delete audit events older than this many days (the chain stays verifiable); 0 = keep forever"_s,
        [](auto& c) -> auto& { return c.audit.retentionDays; }, 0, 36500);

    keys << durationKey(
        u"accounts"_s, u"verify_ttl"_s, u"Lifetime of an email verification link"_s,
        [](auto& c) -> auto& { return c.accounts.verifyTtl; }, seconds(60), std::chrono::hours(24 * 30))
         << durationKey(
                u"accounts"_s, u"reset_ttl"_s, u"Lifetime of a password reset link"_s,
                [](auto& c) -> auto& { return c.accounts.resetTtl; }, seconds(60), std::chrono::hours(24))
         << durationKey(
                u"accounts"_s, u"email_change_ttl"_s, u"Lifetime of the link confirming a new email address"_s,
                [](auto& c) -> auto& { return c.accounts.emailChangeTtl; }, seconds(60), std::chrono::hours(24 * 30));

    keys << stringKey(
        u"mail"_s, u"from"_s, u"From header of outgoing mail"_s, [](auto& c) -> auto& { return c.mail.from; },
        [](const QString& value) { return value.contains(u'@') ? QString() : u"must contain an address"_s; })
         << stringKey(
                u"mail"_s, u"directory"_s,
                u"Where the embedded default writes each outgoing mail as an .eml file; default <data dir>/mail"_s,
                [](auto& c) -> auto& { return c.mail.directory; })
         << durationKey(
                u"mail"_s, u"poll_interval"_s, u"How often the outbox worker looks for due mail"_s,
                [](auto& c) -> auto& { return c.mail.pollInterval; }, milliseconds(10), oneHour)
         << durationKey(
                u"mail"_s, u"retry_base"_s, u"Delay before the first retry of a failed delivery; doubles per attempt"_s,
                [](auto& c) -> auto& { return c.mail.retryBase; }, seconds(1), oneHour)
         << intKey(
                u"mail"_s, u"max_attempts"_s, u"Delivery attempts before a mail is marked failed"_s,
                [](auto& c) -> auto& { return c.mail.maxAttempts; }, 1, 100);

    keys << stringKey(
        u"smtp"_s, u"host"_s,
        u"SMTP server host name; empty = write .eml files instead. Settings saved through the admin API "
        u"take precedence over this [smtp] section"_s,
        [](auto& c) -> auto& { return c.smtp.host; })
         << intKey(
                u"smtp"_s, u"port"_s, u"SMTP server port; 0 = 465 for security tls, 587 otherwise"_s,
                [](auto& c) -> auto& { return c.smtp.port; }, 0, 65535)
         << choiceKey(u"smtp"_s, u"security"_s,
                      u"tls (implicit, port 465) | starttls (required) | opportunistic (STARTTLS when offered) | "
                      u"none (plain text)"_s,
                      [](auto& c) -> auto& { return c.smtp.security; },
                      {u"tls"_s, u"starttls"_s, u"opportunistic"_s, u"none"_s})
         << stringKey(
                u"smtp"_s, u"username"_s, u"SMTP AUTH user (PLAIN or LOGIN); empty = no authentication"_s,
                [](auto& c) -> auto& { return c.smtp.username; })
         << secretKey(
                u"smtp"_s, u"password"_s, u"SMTP AUTH password"_s, [](auto& c) -> auto& { return c.smtp.password; })
         << stringKey(
                u"smtp"_s, u"from_address"_s, u"Envelope sender and From address; default the address of [mail] from"_s,
                [](auto& c) -> auto& { return c.smtp.fromAddress; },
                [](const QString& value) {
                    return value.isEmpty() || value.contains(u'@') ? QString() : u"must be an email address"_s;
                })
         << stringKey(
                u"smtp"_s, u"from_name"_s, u"Display name in the From header; default the name of [mail] from"_s,
                [](auto& c) -> auto& { return c.smtp.fromName; })
         << stringKey(
                u"smtp"_s, u"reply_to"_s, u"Reply-To address of outgoing mail; empty = none"_s,
                [](auto& c) -> auto& { return c.smtp.replyTo; },
                [](const QString& value) {
                    return value.isEmpty() || value.contains(u'@') ? QString() : u"must be an email address"_s;
                })
         << stringKey(
                u"smtp"_s, u"ehlo_name"_s, u"Name announced in EHLO; default this machine's host name"_s,
                [](auto& c) -> auto& { return c.smtp.ehloName; })
         << stringKey(
                u"smtp"_s, u"ca_file"_s,
                u"PEM file of the only CA trusted for the SMTP server's certificate; empty = the system CAs"_s,
                [](auto& c) -> auto& { return c.smtp.caFile; })
         << durationKey(
                u"smtp"_s, u"timeout"_s, u"Time allowed for each SMTP protocol step"_s,
                [](auto& c) -> auto& { return c.smtp.timeout; }, seconds(1), seconds(300));
    keys << mfaRequiredRolesKey()
         << stringKey(
                u"mfa"_s, u"issuer"_s, u"Issuer name authenticator apps show next to the account"_s,
                [](auto& c) -> auto& { return c.mfa.issuer; },
                [](const QString& value) {
                    return value.isEmpty() || value.size() > 64 || value.contains(u':')
                        ? u"must be 1 to 64 characters without ':'"_s
                        : QString();
                })
         << durationKey(
                u"mfa"_s, u"token_ttl"_s, u"Lifetime of the mfa_token between the password and the second factor"_s,
                [](auto& c) -> auto& { return c.mfa.tokenTtl; }, seconds(1), std::chrono::minutes(30));

    keys << secretKey(
        u"secrets"_s, u"encryption_key"_s,
        u"32 random bytes, base64; encrypts signing keys and the SMTP password at rest. Generated "
        u"into the data dir in dev/test; required in prod"_s,
        [](auto& c) -> auto& { return c.secrets.encryptionKey; }, encryptionKeyProblem);
    return keys;
}

} // namespace

QString ConfigKey::envName() const
{
    return (u"AUTHSHIELD_"_s + section + u'_' + name).toUpper();
}

const QList<ConfigKey>& configKeys()
{
    static const QList<ConfigKey> keys = buildKeys();
    return keys;
}

const ConfigKey* findConfigKey(const QString& section, const QString& name)
{
    for (const ConfigKey& key : configKeys()) {
        if (key.section == section && key.name == name)
            return &key;
    }
    return nullptr;
}

QStringList configSections()
{
    QStringList sections;
    for (const ConfigKey& key : configKeys()) {
        if (!sections.contains(key.section))
            sections.append(key.section);
    }
    return sections;
}

QString formatListen(const QString& host, quint16 port)
{
    const bool v6 = QHostAddress(host).protocol() == QAbstractSocket::IPv6Protocol;
    return (v6 ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

QString renderExampleConfig()
{
    const ServerConfig defaults;
    QString text
        = u"# AuthShield server configuration.\n"
          u"#\n"
          u"# Precedence: built-in defaults < this file < environment (AUTHSHIELD_<SECTION>_<KEY>)\n"
          u"# < --data-dir. Lines are `key = value`. Comments are lines starting with # or ;, or a #\n"
          u"# after whitespace at the end of a value - except in secret values, which are taken verbatim.\n"
          u"# Quote values with leading/trailing spaces: key = \"value\" (\\\" and \\\\ escapes), or 'value'.\n"
          u"# Durations: 900 (seconds), 30s, 15m, 2h, 7d, 500ms, 1h30m.\n"
          u"# Secrets are never printed; each also accepts <key>_file = /path (content, trailing newline\n"
          u"# removed) and AUTHSHIELD_<SECTION>_<KEY>_FILE. Keep such files chmod 600.\n"
          u"# `authshield-server check-config` prints the effective value of every key and its source.\n"_s;
    for (const QString& section : configSections()) {
        text += u"\n["_s + section + u"]\n"_s;
        for (const ConfigKey& key : configKeys()) {
            if (key.section != section)
                continue;
            QStringList envNames { key.envName() };
            envNames += key.envAliases;
            text += u"\n# "_s + key.help + u"\n# env: "_s + envNames.join(u", "_s) + u'\n';
            if (key.secret) {
                text += u"# "_s + key.name + u" =\n# "_s + key.fileFormName() + u" = /etc/authshield/"_s + key.section
                    + u'_' + key.name + u"\n"_s;
            } else if (key.id() == "server.api_docs"_L1) {
                text += u"# api_docs = true\n"_s;
            } else {
                const QString value = key.show(defaults);
                text += u"# "_s + key.name + (value.isEmpty() ? u" ="_s : u" = "_s + value) + u'\n';
            }
        }
    }
    return text;
}

} // namespace authshield::server
