#pragma once

#include "server/core/Config.h"
#include "server/crypto/SecretBox.h"
#include "server/tokens/TokenService.h"
#include "shared/Result.h"

#include <QObject>

#include <functional>
#include <memory>

class QThreadPool;
class QTimer;

namespace authshield::server {

class AccessTokenAuthenticator;
class AccessTokenVerifier;
class AuditLog;
class Clock;
class Database;
class KeyValueStore;
class AccountLockout;
class LoginService;
class RateLimitService;
struct ServerMetrics;
class PasswordHasher;
class RevocationList;
class RoleCatalog;
class Router;
class SessionService;
class SigningKeyStore;
class TokenLifetimes;
class UserRepository;

// The authentication core, wired from the configuration: signing keys, RBAC catalogue, sessions, revocation
// push, tokens, login and the Bearer authenticator, plus the timers that keep them fresh (key reload and
// automatic rotation, role reload, last-seen flush). Lives in the ServerContext's thread.
class AuthModule final : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::seconds kMaintenanceInterval { 15 };
    static constexpr std::chrono::seconds kLastSeenFlushInterval { 10 };

    static Result<std::unique_ptr<AuthModule>> create(const ServerConfig& config, const Database& database,
                                                      KeyValueStore& store, const AuditLog& audit,
                                                      const PasswordHasher& hasher, const Clock& clock,
                                                      QObject* parent);
    ~AuthModule() override;

    void registerRoutes(Router& router);
    // Lockout and login outcomes into LoginService, reuse counting into TokenService, per-account limits into
    // the login route. Call before registerRoutes().
    void setAbuseProtection(RateLimitService& rateLimits, AccountLockout& lockout, ServerMetrics& metrics);
    void setIssuer(const QString& issuer);

    TokenIssuer& issuer() { return m_issuer; }
    RoleCatalog& roles() { return *m_roles; }
    SigningKeyStore& signingKeys() { return *m_keys; }
    RevocationList& revocations() { return *m_revocations; }
    SessionService& sessions() { return *m_sessions; }
    TokenService& tokens() { return *m_tokens; }
    TokenLifetimes& tokenLifetimes() { return *m_lifetimes; }
    LoginService& login() { return *m_login; }
    AccessTokenVerifier& verifier() { return *m_verifier; }
    AccessTokenAuthenticator& authenticator() { return *m_authenticator; }

private:
    AuthModule(const ServerConfig& config, const Database& database, KeyValueStore& store, const AuditLog& audit,
               const PasswordHasher& hasher, const Clock& clock, QObject* parent);
    Result<void> initialise(std::unique_ptr<SigningKeyStore> keys);
    void maintain();
    void runInBackground(std::function<void()> job);

    const ServerConfig m_config;
    const Database& m_database;
    KeyValueStore& m_store;
    const AuditLog& m_audit;
    const PasswordHasher& m_hasher;
    const Clock& m_clock;
    TokenIssuer m_issuer;
    std::unique_ptr<UserRepository> m_users;
    std::unique_ptr<RoleCatalog> m_roles;
    std::unique_ptr<SigningKeyStore> m_keys;
    RevocationList* m_revocations = nullptr;
    TokenLifetimes* m_lifetimes = nullptr;
    std::unique_ptr<SessionService> m_sessions;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<LoginService> m_login;
    std::unique_ptr<AccessTokenVerifier> m_verifier;
    std::unique_ptr<AccessTokenAuthenticator> m_authenticator;
    QTimer* m_maintenanceTimer = nullptr;
    QTimer* m_flushTimer = nullptr;
    QThreadPool* m_background = nullptr;
    RateLimitService* m_rateLimits = nullptr;
};

// The configured encryption key ([secrets] encryption_key: base64 of 32 bytes) as a SecretBox.
Result<SecretBox> secretBoxFromConfig(const SecretsConfig& secrets);

} // namespace authshield::server
