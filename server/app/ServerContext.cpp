#include "server/app/ServerContext.h"

#include "server/accounts/AccountService.h"
#include "server/admin/AdminApi.h"
#include "server/admin/OpenApiDocument.h"
#include "server/app/AccessTokenAuthenticator.h"
#include "server/app/AuthModule.h"
#include "server/app/LockoutMailNotifier.h"
#include "server/admin/SmtpSettingsRoutes.h"
#include "server/app/MfaModule.h"
#include "server/mfa/MfaPolicy.h"
#include "server/mfa/MfaRepository.h"
#include "server/app/OpsRoutes.h"
#include "server/app/SecurityServices.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/ratelimit/RateLimitService.h"
#include "server/audit/AuditLog.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/core/Log.h"
#include "server/core/ServerMetrics.h"
#include "server/http/AccountPages.h"
#include "server/http/AccountRoutes.h"
#include "server/http/HttpServer.h"
#include "server/http/RequestPipeline.h"
#include "server/http/SlowWorkPool.h"
#include "server/mail/FileMailTransport.h"
#include "server/mail/MailOutbox.h"
#include "server/mail/OutboxWorker.h"
#include "server/mail/SmtpHealth.h"
#include "server/mail/SmtpSettings.h"
#include "server/mail/SmtpTransport.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueStoreFactory.h"
#include "server/storage/MigrationRunner.h"

#include <QDir>
#include <QJsonArray>
#include <QSslConfiguration>

namespace authshield::server {

namespace {
DependencyStatus dependencyStatus(const QString& backend, const Result<std::chrono::microseconds>& ping)
{
    DependencyStatus status;
    status.backend = backend;
    status.up = ping.ok();
    if (ping)
        status.latency = *ping;
    else
        status.detail = ping.error().message;
    return status;
}
} // namespace

ServerContext::ServerContext(LoadedConfig loaded, QObject* parent)
    : QObject(parent)
    , m_loaded(std::move(loaded))
{
}

ServerContext::~ServerContext()
{
    stop();
    // Children are deleted only after the members; the security services use the storage members, so they go
    // first (and the auth module, MFA and the admin API, which hold pointers into them, before that).
    m_admin.reset();
    m_mfa.reset();
    m_auth.reset();
    m_outboxWorker.reset(); // uses the transport, which reads the SMTP settings
    delete m_smtpHealth;
    m_smtpHealth = nullptr;
    delete m_smtpSettings;
    m_smtpSettings = nullptr;
    delete m_security;
    m_security = nullptr;
}

quint16 ServerContext::port() const
{
    return m_http ? m_http->port() : 0;
}

Result<void> ServerContext::openStorage()
{
    const ServerConfig& config = m_loaded.config;
    m_database = std::make_unique<Database>(config.database, config.dataDir);
    if (Result<void> opened = m_database->open(); !opened)
        return opened.error();
    // serve applies pending migrations itself (under an advisory lock on PostgreSQL, so instances starting
    // together migrate once) but refuses a database changed behind its back or newer than this binary.
    MigrationRunner migrations(*m_database);
    if (Result<void> verified = migrations.verify(); !verified)
        return verified.error();
    Result<QList<Migration>> applied = migrations.apply();
    if (!applied)
        return applied.error();
    for (const Migration& migration : *applied)
        Log::info(QStringLiteral("storage"), QStringLiteral("migration applied"),
                  {{QStringLiteral("migration"), migration.id()}});

    Result<std::unique_ptr<KeyValueStore>> store = makeKeyValueStore(config.redis, m_clock);
    if (!store)
        return store.error();
    m_keyValueStore = std::move(store).value();
    m_auditLog = std::make_unique<AuditLog>(*m_database, m_clock);
    m_passwordHasher = std::make_unique<Argon2idHasher>(config.password);
    m_security = new SecurityServices(config, *m_database, *m_keyValueStore, *m_auditLog, m_clock, this);
    Result<std::unique_ptr<AuthModule>> auth
        = AuthModule::create(config, *m_database, *m_keyValueStore, *m_auditLog, *m_passwordHasher, m_clock, this);
    if (!auth)
        return auth.error();
    m_auth = std::move(auth).value();
    m_auth->setAbuseProtection(m_security->rateLimits(), m_security->lockout(), m_security->metrics());

    Database* database = m_database.get();
    m_readiness.add(QStringLiteral("database"),
                    [database] { return dependencyStatus(database->dialect().name(), database->ping()); });
    KeyValueStore* kvStore = m_keyValueStore.get();
    m_readiness.add(QStringLiteral("redis"), [kvStore] { return dependencyStatus(kvStore->backendName(), kvStore->ping()); });
    if (Result<void> mail = startMail(); !mail)
        return mail;
    m_accounts = std::make_unique<AccountService>(*m_database, m_clock, m_loaded.config, *m_passwordHasher,
                                                  *m_auditLog, *m_mailOutbox);
    TokenService* tokens = &m_auth->tokens();
    m_accounts->setSessionRevoker([tokens](const QString& userId, const QString& reason, const RequestOrigin& origin,
                                           const QString& exceptSessionId) {
        return tokens->revokeAllSessions(userId, reason, origin, exceptSessionId);
    });
    Result<std::unique_ptr<MfaModule>> mfa = MfaModule::create(config, *m_database, *m_keyValueStore, *m_auditLog,
                                                               *m_passwordHasher, *m_mailOutbox, *m_auth,
                                                               *m_security, m_clock, this);
    if (!mfa)
        return mfa.error();
    m_mfa = std::move(mfa).value();
    m_lockoutNotifier = std::make_unique<LockoutMailNotifier>(*m_accounts);
    m_security->lockout().setNotifier(m_lockoutNotifier.get());
    RateLimitService* rateLimits = &m_security->rateLimits();
    m_accounts->setForgotThrottle([rateLimits](const QString& email) {
        const Result<RateLimitOutcome> outcome
            = rateLimits->hit(QStringLiteral("forgot_account"), RateLimitService::accountSubject(email));
        return !outcome || outcome->decision.allowed; // a limiter outage must not block password resets
    });
    m_security->addReadiness(m_readiness);
    m_admin = std::make_unique<AdminApi>(m_loaded.config, *m_database, m_clock, *m_auditLog, *m_accounts, *m_auth,
                                         *m_security, *m_mailOutbox);
    m_admin->securitySettings().add(makeMfaSettingsSection(m_mfa->policy()));
    MfaRepository* mfaRepository = &m_mfa->repository();
    m_admin->setMfaStatusLookup([mfaRepository](const QString& userId) { return mfaRepository->isEnabled(userId); });
    return success();
}

Result<void> ServerContext::startMail()
{
    const ServerConfig& config = m_loaded.config;
    Result<SecretBox> secretBox = secretBoxFromConfig(config.secrets);
    if (!secretBox)
        return secretBox.error();
    m_smtpSettings = new SmtpSettingsStore(SmtpSettings::fromConfig(config), *secretBox, *m_database, *m_keyValueStore,
                                           *m_auditLog, m_clock, this);
    m_smtpSettings->start();
    m_mailOutbox = std::make_unique<MailOutbox>(*m_database, m_clock);
    const QString mailDirectory = config.mail.directory.isEmpty()
        ? QDir(config.dataDir).filePath(QStringLiteral("mail"))
        : QDir(config.dataDir).absoluteFilePath(config.mail.directory);
    m_fileTransport = std::make_unique<FileMailTransport>(mailDirectory, config.mail.from);
    SmtpSettingsStore* smtp = m_smtpSettings;
    m_mailTransport = std::make_unique<SmtpTransport>([smtp] { return smtp->current(); }, *m_fileTransport);
    m_outboxWorker = std::make_unique<OutboxWorker>(*m_mailOutbox, *m_mailTransport, m_clock, config.mail);
    CounterFamily* failures = &m_security->metrics().mailFailures;
    CounterFamily* givenUp = &m_security->metrics().mailGivenUp;
    m_outboxWorker->setFailureHook([failures, givenUp](bool permanent) {
        failures->only().increment();
        if (permanent)
            givenUp->only().increment();
    });
    m_outboxWorker->start();
    m_smtpHealth = new SmtpHealth(*m_smtpSettings, this);
    (void)QSslConfiguration::defaultConfiguration(); // TLS backend initialised here, not racing in the check thread
    m_smtpHealth->start();

    const OutboxWorker* worker = m_outboxWorker.get();
    const MailOutbox* outbox = m_mailOutbox.get();
    const MailTransport* transport = m_mailTransport.get();
    m_readiness.add(QStringLiteral("mail"), [worker, outbox, transport] {
        DependencyStatus status;
        status.backend = transport->name();
        status.up = worker->isAlive();
        const Result<OutboxDepth> depth = outbox->depth();
        const QString depthText = depth ? QStringLiteral("outbox: %1 pending, %2 failed").arg(depth->pending).arg(depth->failed)
                                        : QStringLiteral("outbox depth unknown: ") + depth.error().message;
        status.detail = status.up ? depthText : QStringLiteral("outbox worker not running; ") + depthText;
        return status;
    });
    // Never makes the server unready: mail waits in the outbox until SMTP works again.
    const SmtpHealth* health = m_smtpHealth;
    m_readiness.add(QStringLiteral("smtp"), [health] {
        DependencyStatus status;
        status.backend = QStringLiteral("smtp");
        status.up = true;
        status.detail = health->summary();
        return status;
    });
    return success();
}

void ServerContext::registerRoutes()
{
    registerOpsRoutes(m_router, m_readiness);
    registerAccountRoutes(m_router, *m_accounts);
    registerSmtpSettingsRoutes(m_router, *m_smtpSettings, *m_smtpHealth, *m_auditLog);
    if (m_loaded.config.frontendUrl.isEmpty()) // links point at this server: serve the pages they open
        registerAccountPages(m_router, *m_accounts);
    m_security->registerRoutes(m_router);
    m_auth->registerRoutes(m_router);
    m_mfa->registerRoutes(m_router);
    m_admin->registerRoutes(m_router);
    if (m_loaded.config.apiDocs)
        if (Result<void> docs = registerOpenApiRoute(m_router); !docs)
            Log::error(QStringLiteral("server"), QStringLiteral("GET /openapi.json disabled"),
                       {{QStringLiteral("error"), docs.error().message}});
}

Result<void> ServerContext::start()
{
    const ServerConfig& config = m_loaded.config;
    if (Result<void> storage = openStorage(); !storage)
        return storage;
    registerRoutes();

    PipelineOptions options;
    options.trustedProxies = config.http.trustedProxies;
    options.strictTransportSecurity = config.profile == Profile::Prod;
    m_pipeline = std::make_unique<RequestPipeline>(m_router, options);
    if (Result<void> security = m_security->start(*m_pipeline, m_readiness); !security)
        return security;
    m_pipeline->setAuthenticator(&m_auth->authenticator());
    m_mfa->start();
    const int slowThreads = config.http.slowPoolThreads > 0 ? config.http.slowPoolThreads : defaultThreadCount();
    m_slowPool = std::make_unique<SlowWorkPool>(slowThreads, config.http.slowPoolMaxInFlight);
    // Every HTTP worker's QHttpServer builds a QSslConfiguration, which initialises Qt's TLS backend and OpenSSL on
    // first use; done concurrently by the workers, that intermittently leaked their OpenSSL thread state at exit.
    (void)QSslConfiguration::defaultConfiguration();
    m_http = std::make_unique<HttpServer>(config.http, *m_pipeline, *m_slowPool, this);
    Database* database = m_database.get();
    m_http->setThreadCleanup([database] { database->releaseThreadConnection(); });
    Result<quint16> port = m_http->start();
    if (!port)
        return port.error();
    if (m_loaded.config.publicUrl.isEmpty()) // dev/test on port 0: the issuer is known only now
        m_loaded.config.publicUrl = listenUrl(config.http.host, *port);
    m_auth->setIssuer(m_loaded.config.publicUrl);
    m_accounts->setFrontendUrl(m_loaded.config.effectiveFrontendUrl());

    Log::info(QStringLiteral("server"), QStringLiteral("listening"),
              {{QStringLiteral("host"), config.http.host},
               {QStringLiteral("port"), *port},
               {QStringLiteral("threads"), m_http->threadCount()},
               {QStringLiteral("profile"), profileName(config.profile)},
               {QStringLiteral("data_dir"), config.dataDir},
               {QStringLiteral("database"), m_database->describe()},
               {QStringLiteral("redis"), m_keyValueStore->backendName()},
               {QStringLiteral("public_url"), config.publicUrl}});
    return success();
}

void ServerContext::stop()
{
    if (m_security)
        m_security->stop();
    if (m_http) {
        m_http->stop();
        m_http.reset();
    }
    m_slowPool.reset();
    if (m_outboxWorker)
        m_outboxWorker->stop(); // after the HTTP side, so nothing enqueues behind it
}

} // namespace authshield::server
