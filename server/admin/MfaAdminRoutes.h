#pragma once

namespace authshield::server {

class MfaService;
class Router;

// GET /admin/users/{id}/mfa (users.read) and POST /admin/users/{id}/mfa/reset (users.write).
void registerMfaAdminRoutes(Router& router, MfaService& mfa);

} // namespace authshield::server
