#include "server/app/AuthModule.h"

#include "server/audit/AuditLog.h"
#include "server/storage/Database.h"

#include "server/accounts/LoginService.h"
#include "server/accounts/UserRepository.h"
#include "server/app/AccessTokenAuthenticator.h"
#include "server/app/AuthRoutes.h"
#include "server/core/Log.h"
#include "server/core/ServerMetrics.h"
#include "server/rbac/RoleCatalog.h"
#include "server/sessions/RevocationList.h"
#include "server/sessions/SessionService.h"
#include "server/storage/KeyValueStore.h"
#include "server/tokens/TokenLifetimes.h"
#include "server/storage/KeyValueStoreFactory.h"
#include "server/tokens/AccessTokenVerifier.h"
#include "server/tokens/SigningKeyStore.h"

#include <QThreadPool>
#include <QTimer>

namespace authshield::server {

namespace {
const QString kComponent = QStringLiteral("auth");
} // namespace

Result<SecretBox> secretBoxFromConfig(const SecretsConfig& secrets)
{
    if (secrets.encryptionKey.isEmpty())
        return Error::make(ErrorCode::Internal,
                           QStringLiteral("[secrets] encryption_key is not set (base64 of 32 random bytes); it "
                                          "encrypts the token signing keys"));
    const QByteArray key = QByteArray::fromBase64(secrets.encryptionKey.toLatin1());
    Result<SecretBox> box = SecretBox::fromKey(key);
    if (!box)
        return Error::make(ErrorCode::Internal,
                           QStringLiteral("[secrets] encryption_key must be base64 of exactly 32 bytes"));
    return box;
}

AuthModule::AuthModule(const ServerConfig& config, const Database& database, KeyValueStore& store,
                       const AuditLog& audit, const PasswordHasher& hasher, const Clock& clock, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_database(database)
    , m_store(store)
    , m_audit(audit)
    , m_hasher(hasher)
    , m_clock(clock)
{
}

AuthModule::~AuthModule()
{
    // Background jobs use the services below; they must be done before the members go.
    if (m_background) {
        m_background->clear();
        // Its thread's database connection goes now, in that thread: thread_local clean-up would run only
        // after waitForDone() returned, racing the rest of the shutdown.
        const Database* database = &m_database;
        m_background->start([database] { database->releaseThreadConnection(); });
        m_background->waitForDone();
    }
}

Result<std::unique_ptr<AuthModule>> AuthModule::create(const ServerConfig& config, const Database& database,
                                                       KeyValueStore& store, const AuditLog& audit,
                                                       const PasswordHasher& hasher, const Clock& clock,
                                                       QObject* parent)
{
    Result<SecretBox> box = secretBoxFromConfig(config.secrets);
    if (!box)
        return box.error();
    std::unique_ptr<AuthModule> module(new AuthModule(config, database, store, audit, hasher, clock, parent));
    if (Result<void> ready
        = module->initialise(std::make_unique<SigningKeyStore>(database, clock, config.tokens, *box));
        !ready)
        return ready.error();
    return module;
}

Result<void> AuthModule::initialise(std::unique_ptr<SigningKeyStore> keys)
{
    m_keys = std::move(keys);
    if (Result<void> loaded = m_keys->initialise(); !loaded)
        return loaded;
    m_roles = std::make_unique<RoleCatalog>(m_database);
    if (Result<void> loaded = m_roles->reload(); !loaded)
        return loaded;
    m_users = std::make_unique<UserRepository>(m_database, m_clock);
    m_revocations = new RevocationList(m_store, m_database, m_clock, m_config.tokens.accessTtl, this);
    m_sessions = std::make_unique<SessionService>(m_database, m_clock, *m_revocations, m_audit);
    m_tokens = std::make_unique<TokenService>(m_database, m_clock, m_config.tokens, m_issuer, *m_keys, *m_sessions,
                                              *m_users, m_audit);
    m_lifetimes = new TokenLifetimes(m_config.tokens, m_database, m_store, this);
    m_lifetimes->start();
    m_tokens->setLifetimes(m_lifetimes);
    m_login = std::make_unique<LoginService>(*m_users, m_hasher, m_audit, *m_tokens, m_config.password);
    m_verifier
        = std::make_unique<AccessTokenVerifier>(*m_keys, *m_revocations, m_clock, m_issuer, m_config.tokens.audience);
    m_authenticator = std::make_unique<AccessTokenAuthenticator>(*m_verifier, *m_roles, *m_sessions);
    m_issuer.set(m_config.publicUrl);

    // The subscriber's first resynchronisation loads what other instances revoked before we started.
    m_revocations->attach(makeKeyValueSubscriber(m_store, this));

    // Writes that may wait for a database lock run on their own thread: this thread delivers revocations, which
    // must never queue behind a busy database.
    m_background = new QThreadPool(this);
    m_background->setMaxThreadCount(1);
    // Never expires: its database connection (and its cached statements) is released explicitly at shutdown.
    m_background->setExpiryTimeout(-1);
    m_maintenanceTimer = new QTimer(this);
    m_maintenanceTimer->setInterval(kMaintenanceInterval);
    connect(m_maintenanceTimer, &QTimer::timeout, this, [this] { runInBackground([this] { maintain(); }); });
    m_maintenanceTimer->start();
    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(kLastSeenFlushInterval);
    connect(m_flushTimer, &QTimer::timeout, this, [this] {
        runInBackground([this] {
            if (Result<void> flushed = m_sessions->flushLastSeen(); !flushed)
                Log::warning(kComponent, QStringLiteral("last-seen times not stored"),
                             { { QStringLiteral("error"), flushed.error().message } });
        });
    });
    m_flushTimer->start();
    maintain();
    return success();
}

void AuthModule::runInBackground(std::function<void()> job)
{
    // One job at a time; a tick that finds the previous one still running is skipped, not queued.
    if (m_background->activeThreadCount() > 0)
        return;
    m_background->start(std::move(job));
}

void AuthModule::maintain()
{
    if (Result<QString> rotated = m_keys->rotateIfDue(); !rotated) {
        Log::warning(kComponent, QStringLiteral("automatic key rotation failed"),
                     { { QStringLiteral("error"), rotated.error().message } });
    } else if (!rotated->isEmpty()) {
        AuditEvent event;
        event.type = QStringLiteral("keys.rotated");
        event.subjectId = *rotated;
        event.details = { { QStringLiteral("by"), QStringLiteral("schedule") } };
        if (Result<qint64> audited = m_audit.record(event); !audited)
            Log::warning(kComponent, QStringLiteral("key rotation not audited"),
                         { { QStringLiteral("error"), audited.error().message } });
    }
    if (Result<void> loaded = m_keys->reload(); !loaded)
        Log::warning(kComponent, QStringLiteral("signing keys not reloaded"),
                     { { QStringLiteral("error"), loaded.error().message } });
    if (Result<void> loaded = m_roles->reload(); !loaded)
        Log::warning(kComponent, QStringLiteral("roles not reloaded"),
                     { { QStringLiteral("error"), loaded.error().message } });
}

void AuthModule::registerRoutes(Router& router)
{
    registerAuthRoutes(router, AuthRouteServices{*m_login, *m_tokens, *m_sessions, *m_keys, m_issuer,
                                                 m_config.password, m_rateLimits});
}

void AuthModule::setAbuseProtection(RateLimitService& rateLimits, AccountLockout& lockout, ServerMetrics& metrics)
{
    m_rateLimits = &rateLimits;
    m_login->setLockout(&lockout);
    m_login->setOutcomeCounter(&metrics.logins);
    m_tokens->setReuseCounter(&metrics.refreshReuse);
}

void AuthModule::setIssuer(const QString& issuer)
{
    m_issuer.set(issuer);
}

} // namespace authshield::server
