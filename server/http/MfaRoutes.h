#pragma once

namespace authshield::server {

class MfaLogin;
class MfaService;
class Router;

// Self-service TOTP (/users/me/mfa…) and the login's second step (/auth/mfa/verify, /auth/mfa/enrol…).
void registerMfaRoutes(Router& router, MfaService& mfa, MfaLogin& login);

} // namespace authshield::server
