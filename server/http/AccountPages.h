#pragma once

namespace authshield::server {

class AccountService;
class Router;

// The two pages mail links open when [server] frontend_url is not set: GET /verify-email and
// GET /reset-password show a form (a GET never spends the token: mail scanners prefetch links), the form's
// POST does the work through AccountService. Plain HTML, no scripts, no styles, a strict CSP.
void registerAccountPages(Router& router, AccountService& accounts);

} // namespace authshield::server
