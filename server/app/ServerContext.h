#pragma once

#include "server/core/Clock.h"
#include "server/core/ConfigLoader.h"
#include "server/core/Readiness.h"
#include "server/http/Router.h"
#include "shared/Result.h"

#include <QObject>

#include <memory>

namespace authshield::server {

class AccountService;
class AdminApi;
class Argon2idHasher;
class AuditLog;
class AuthModule;
class Database;
class LockoutMailNotifier;
class HttpServer;
class KeyValueStore;
class MailOutbox;
class MailTransport;
class MfaModule;
class OutboxWorker;
class RequestPipeline;
class SecurityServices;
class SlowWorkPool;
class SmtpHealth;
class SmtpSettingsStore;

// The composition root: builds every service from the configuration, registers the routes and runs the
// HTTP threads. The server binary and the console's embedded server both use it; nothing else reaches
// for global state.
class ServerContext final : public QObject
{
    Q_OBJECT

public:
    explicit ServerContext(LoadedConfig loaded, QObject* parent = nullptr);
    ~ServerContext() override;

    // Opens storage (applying pending migrations), wires the services, and starts listening.
    Result<void> start();
    void stop();

    quint16 port() const;
    const ServerConfig& config() const { return m_loaded.config; }
    Database& database() { return *m_database; }
    KeyValueStore& keyValueStore() { return *m_keyValueStore; }
    AuditLog& auditLog() { return *m_auditLog; }
    Argon2idHasher& passwordHasher() { return *m_passwordHasher; }
    MailOutbox& mailOutbox() { return *m_mailOutbox; }
    const Clock& clock() const { return m_clock; }
    // Rate limits, lockout, live security settings, metrics (see SecurityServices).
    SecurityServices& security() { return *m_security; }
    // Tokens, sessions, login, RBAC, signing keys (valid after start()).
    AuthModule& auth() { return *m_auth; }
    // What GET /ready checks (valid after start()).
    const Readiness& readiness() const { return m_readiness; }
    // TOTP: repository (isEnabled), service, "require MFA for roles" policy (valid after start()).
    MfaModule& mfa() { return *m_mfa; }
    // The admin API's services (valid after start()); e.g. admin().securitySettings().add(section).
    AdminApi& admin() { return *m_admin; }
    const Router& router() const { return m_router; }

private:
    Result<void> openStorage();
    Result<void> startMail();
    void registerRoutes();

    LoadedConfig m_loaded;
    SystemClock m_clock;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<KeyValueStore> m_keyValueStore;
    std::unique_ptr<AuditLog> m_auditLog;
    std::unique_ptr<Argon2idHasher> m_passwordHasher; // one instance: building it computes the dummy hash
    std::unique_ptr<MailOutbox> m_mailOutbox;
    std::unique_ptr<MailTransport> m_fileTransport;
    std::unique_ptr<MailTransport> m_mailTransport; // SMTP when a host is set, else m_fileTransport
    SmtpSettingsStore* m_smtpSettings = nullptr; // child QObject
    SmtpHealth* m_smtpHealth = nullptr; // child QObject
    std::unique_ptr<OutboxWorker> m_outboxWorker;
    std::unique_ptr<AccountService> m_accounts;
    std::unique_ptr<LockoutMailNotifier> m_lockoutNotifier;
    SecurityServices* m_security = nullptr; // child QObject
    std::unique_ptr<AuthModule> m_auth;
    std::unique_ptr<MfaModule> m_mfa;
    std::unique_ptr<AdminApi> m_admin;
    Readiness m_readiness;
    Router m_router;
    std::unique_ptr<RequestPipeline> m_pipeline;
    std::unique_ptr<SlowWorkPool> m_slowPool;
    std::unique_ptr<HttpServer> m_http;
};

} // namespace authshield::server
