#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QObject>

#include <memory>

namespace authshield::server {

class AuditLog;
class AuthModule;
class Clock;
class Database;
class KeyValueStore;
class MailOutbox;
class MfaLogin;
class MfaPolicy;
class MfaRepository;
class MfaService;
class PasswordHasher;
class Router;
class SecurityServices;
class UserRepository;

// TOTP multi-factor authentication wired for ServerContext: repository, service, the live "require MFA for
// roles" policy, the login's second step (set as LoginService's gate, with the account lockout) and the routes.
class MfaModule final : public QObject
{
    Q_OBJECT

public:
    static Result<std::unique_ptr<MfaModule>> create(const ServerConfig& config, const Database& database,
                                                     KeyValueStore& store, const AuditLog& audit,
                                                     const PasswordHasher& hasher, const MailOutbox& outbox,
                                                     AuthModule& auth, SecurityServices& security,
                                                     const Clock& clock, QObject* parent);
    ~MfaModule() override;

    void registerRoutes(Router& router);
    void start(); // the policy's cross-instance reload

    MfaRepository& repository() { return *m_repository; } // isEnabled(userId) for the admin user detail
    MfaService& service() { return *m_service; }
    MfaPolicy& policy() { return *m_policy; } // toJson()/update() for /admin/settings/security "mfa"
    MfaLogin& login() { return *m_login; }

private:
    explicit MfaModule(QObject* parent);

    std::unique_ptr<UserRepository> m_users;
    std::unique_ptr<MfaRepository> m_repository;
    std::unique_ptr<MfaService> m_service;
    MfaPolicy* m_policy = nullptr; // child
    std::unique_ptr<MfaLogin> m_login;
    AuthModule* m_auth = nullptr;
};

} // namespace authshield::server
