#pragma once

#include "server/core/Cidr.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace authshield::server {

enum class Profile { Dev, Test, Prod };

QString profileName(Profile profile);
std::optional<Profile> parseProfile(const QString& name); // "dev" | "test" | "prod"

struct HttpConfig
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8080; // 0 = any free port; the chosen one is logged ("listening")
    int threads = 0; // 0 = one per CPU core
    qint64 maxBodyBytes = 64 * 1024;
    int maxHeaderBytes = 16 * 1024;
    int maxConnections = 10000; // per process; further connections are closed at accept
    std::chrono::milliseconds headerTimeout{10000}; // whole request head must arrive in this time
    std::chrono::milliseconds idleTimeout{30000}; // keep-alive idle limit
    int maxRequestsPerConnection = 10000;
    QList<Cidr> trustedProxies; // X-Forwarded-For is honoured only from these peers
    int slowPoolThreads = 0; // 0 = one per CPU core; Argon2, SMTP and exports run here
    int slowPoolMaxInFlight = 256; // further slow requests answer 503 + Retry-After
};

struct DatabaseConfig
{
    QString url; // sqlite:///abs/path.db or postgresql://user@host:port/db; empty = <data dir>/authshield.db
    QString password; // secret (postgresql), also via AUTHSHIELD_DATABASE_PASSWORD_FILE
    std::chrono::milliseconds busyTimeout{5000};
    std::chrono::milliseconds connectTimeout{5000};
};

struct RedisConfig
{
    QString url; // redis://host:port/db; empty = in-process stores
    QString password; // secret
    std::chrono::milliseconds connectTimeout{1000};
    std::chrono::milliseconds commandTimeout{1000};
};

struct LogConfig
{
    QString level = QStringLiteral("info"); // debug|info|warning|error
};

struct TokensConfig
{
    QString audience = QStringLiteral("authshield");
    std::chrono::seconds accessTtl{900};
    std::chrono::seconds refreshTtl{30 * 24 * 3600}; // absolute lifetime of a session's refresh family
    std::chrono::seconds refreshIdleTtl{7 * 24 * 3600};
    std::chrono::seconds refreshReuseGrace{0};
    QString algorithm = QStringLiteral("EdDSA"); // EdDSA|ES256|RS256|HS256
    QString hmacSecret; // secret; required (and only allowed) with HS256
    std::chrono::seconds keyRotationInterval{0}; // 0 = manual (`keys rotate`)
};

struct PasswordConfig
{
    int minLength = 8;
    int maxBytes = 256;
    qint64 argon2MemoryKiB = 19 * 1024;
    int argon2Iterations = 2;
};

// "<count>/<window>" such as 10/60s: at most count requests per sliding window. These are the starting values;
// the live policy is stored in the database and edited through the admin API.
struct RateLimitRule
{
    int count = 0;
    std::chrono::seconds window{0};
    bool operator==(const RateLimitRule& other) const = default;
};

struct RateLimitConfig
{
    RateLimitRule loginIp{20, std::chrono::seconds(60)};
    RateLimitRule loginAccount{5, std::chrono::seconds(60)};
    RateLimitRule registerIp{3, std::chrono::seconds(60)};
    RateLimitRule forgotIp{3, std::chrono::seconds(300)};
    RateLimitRule forgotAccount{3, std::chrono::seconds(300)};
    RateLimitRule resendIp{3, std::chrono::seconds(300)};
    RateLimitRule refreshIp{120, std::chrono::seconds(60)};
    RateLimitRule verifyIp{10, std::chrono::seconds(60)};
    RateLimitRule globalIp{600, std::chrono::seconds(60)};
    RateLimitRule mfaIp{10, std::chrono::seconds(60)}; // second-factor codes (login step, enrolment, disabling)
    // With Redis down: true = fall back to per-process limits (and say so in /ready), false = answer 503.
    bool redisFailureOpen = true;
};

// Starting values of the live lockout policy (stored in the settings table, edited through the admin API).
struct LockoutConfig
{
    int maxFailures = 5; // failed logins of one account within `window` that lock it
    std::chrono::seconds window{15 * 60};
    std::chrono::seconds duration{15 * 60};
    bool escalate = true; // each further lockout within a day doubles the duration …
    std::chrono::seconds maxDuration{24 * 3600}; // … up to this
};

struct MetricsConfig
{
    QString bearerToken; // secret; when set, GET /metrics needs "Authorization: Bearer <it>"
    QString listenHost; // separate listener for /metrics (empty = served on the main listener)
    quint16 listenPort = 0;
    bool hasOwnListener() const { return !listenHost.isEmpty(); }
};

struct AuditConfig
{
    int retentionDays = 0; // 0 = keep forever
};

// Account-token lifetimes (links in verification, reset and email-change mails).
struct AccountsConfig
{
    std::chrono::seconds verifyTtl{24 * 3600};
    std::chrono::seconds resetTtl{30 * 60};
    std::chrono::seconds emailChangeTtl{24 * 3600};
};

// The outbox worker; the transport (files in the embedded default, SMTP later) is chosen by ServerContext.
struct MailConfig
{
    QString from = QStringLiteral("AuthShield <no-reply@localhost>");
    QString directory; // file transport: where .eml files go; empty = <data dir>/mail
    std::chrono::milliseconds pollInterval{250};
    std::chrono::seconds retryBase{30}; // first retry delay after a temporary failure, doubling per attempt
    int maxAttempts = 8; // then the mail is marked failed
};

// SMTP delivery from the config file; the settings stored through the admin API take precedence. An empty host
// keeps the embedded default (.eml files).
struct SmtpConfig
{
    QString host;
    int port = 0; // 0 = 465 for security "tls", else 587
    QString security = QStringLiteral("starttls"); // tls | starttls | opportunistic | none
    QString username;
    QString password; // secret
    QString fromAddress; // empty = the address of [mail] from
    QString fromName;
    QString replyTo;
    QString ehloName; // empty = this machine's host name
    QString caFile; // PEM; when set, the only CA trusted for the server's certificate
    std::chrono::seconds timeout{30}; // per protocol step
};

// TOTP multi-factor authentication.
struct MfaConfig
{
    QStringList requiredRoles; // default of the live "require MFA for roles" setting (admin API); empty = none
    QString issuer = QStringLiteral("AuthShield"); // shown by authenticator apps next to the account
    std::chrono::seconds tokenTtl{300}; // lifetime of the mfa_token between password and second factor
};

struct SecretsConfig
{
    QString encryptionKey; // secret: 32 bytes base64; encrypts signing keys and SMTP password at rest
    bool encryptionKeyGenerated = false; // set when dev/test generated one into the data dir
};

struct ServerConfig
{
    Profile profile = Profile::Dev;
    QString dataDir; // default ./var (or $XDG_DATA_HOME/authshield when ./ is not writable)
    QString publicUrl; // token issuer and base of mail links; dev default http://<host>:<port>
    QString frontendUrl; // base of the links in mails; empty = publicUrl
    bool apiDocs = true; // GET /openapi.json; prod refuses it unless explicitly allowed
    HttpConfig http;
    DatabaseConfig database;
    RedisConfig redis;
    LogConfig log;
    TokensConfig tokens;
    PasswordConfig password;
    RateLimitConfig ratelimit;
    LockoutConfig lockout;
    MetricsConfig metrics;
    AuditConfig audit;
    SecretsConfig secrets;
    AccountsConfig accounts;
    MailConfig mail;
    SmtpConfig smtp;
    MfaConfig mfa;

    QString effectiveFrontendUrl() const { return frontendUrl.isEmpty() ? publicUrl : frontendUrl; }
};

} // namespace authshield::server
