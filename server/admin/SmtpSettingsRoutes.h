#pragma once

namespace authshield::server {

class AuditLog;
class Router;
class SmtpHealth;
class SmtpSettingsStore;

// GET/PUT /api/v1/admin/settings/smtp (settings.read / settings.write; the password is write-only, answered as
// "password_set") and POST /api/v1/admin/settings/smtp/test {to} (settings.write; the step-by-step report).
void registerSmtpSettingsRoutes(Router& router, SmtpSettingsStore& settings, SmtpHealth& health,
                                const AuditLog& auditLog);

} // namespace authshield::server
