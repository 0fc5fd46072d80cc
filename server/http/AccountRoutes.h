#pragma once

namespace authshield::server {

class AccountService;
class Router;

// /api/v1 account lifecycle: register, verify-email, resend-verification, forgot/reset/change-password,
// /users/me (GET, PATCH, DELETE) and /users/me/email. Handlers only translate HTTP to AccountService calls.
void registerAccountRoutes(Router& router, AccountService& accounts);

} // namespace authshield::server
