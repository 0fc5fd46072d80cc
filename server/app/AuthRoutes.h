#pragma once

#include "server/core/Config.h"

namespace authshield::server {

class LoginService;
class RateLimitService;
class Router;
class SessionService;
class SigningKeyStore;
class TokenIssuer;
class TokenService;

struct AuthRouteServices
{
    LoginService& login;
    TokenService& tokens;
    SessionService& sessions;
    SigningKeyStore& keys;
    const TokenIssuer& issuer;
    const PasswordConfig& passwords;
    RateLimitService* rateLimits = nullptr; // per-account login_account policy inside the login flow
};

// Login, refresh, logout, own sessions, JWKS and the OpenID discovery document.
void registerAuthRoutes(Router& router, AuthRouteServices services);

} // namespace authshield::server
