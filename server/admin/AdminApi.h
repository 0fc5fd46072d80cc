#pragma once

#include "server/ratelimit/SettingsSections.h"

#include <functional>
#include <memory>

namespace authshield::server {

class AccountService;
class AuditLog;
class AuditQuery;
class AuthModule;
class Clock;
class Database;
class MailOutbox;
class RoleDirectory;
class Router;
class SecurityServices;
class SessionDirectory;
class SiteStatistics;
class UserAdministration;
class UserDirectory;
struct ServerConfig;

// The admin API (/api/v1/admin/…): the domain services it needs, built from the server's, and the HTTP routes
// translating to them. Every route requires a Bearer token whose roles grant the route's named permission.
class AdminApi
{
public:
    AdminApi(const ServerConfig& config, const Database& database, const Clock& clock, const AuditLog& audit,
             AccountService& accounts, AuthModule& auth, SecurityServices& security, const MailOutbox& outbox);
    ~AdminApi();

    void registerRoutes(Router& router);

    // GET/PUT /admin/settings/security: add a section here (before the server starts) to extend the document.
    SettingsRegistry& securitySettings() { return m_settings; }
    UserDirectory& users() { return *m_directory; }

    // GET /admin/users/{id} shows "mfa_enabled" from here (the MFA module plugs in; unset = false).
    using MfaStatusLookup = std::function<Result<bool>(const QString& userId)>;
    void setMfaStatusLookup(MfaStatusLookup lookup) { m_mfaStatus = std::move(lookup); }

private:
    const ServerConfig& m_config;
    const Database& m_database;
    const Clock& m_clock;
    const AuditLog& m_audit;
    AuthModule& m_auth;
    SecurityServices& m_security;
    const MailOutbox& m_outbox;
    std::unique_ptr<UserDirectory> m_directory;
    std::unique_ptr<UserAdministration> m_administration;
    std::unique_ptr<SessionDirectory> m_sessions;
    std::unique_ptr<RoleDirectory> m_roles;
    std::unique_ptr<AuditQuery> m_auditQuery;
    std::unique_ptr<SiteStatistics> m_statistics;
    SettingsRegistry m_settings;
    MfaStatusLookup m_mfaStatus;
};

} // namespace authshield::server
