#pragma once

#include "server/http/RequestPipeline.h"

namespace authshield::server {

class AccessTokenVerifier;
class RoleCatalog;
class SessionService;

// The pipeline's Bearer guard: AccessTokenVerifier (cache, signature, claims, revocation), then the roles'
// permissions from the RoleCatalog. No database or Redis round trip; last-seen is recorded in memory.
class AccessTokenAuthenticator final : public Authenticator
{
public:
    AccessTokenAuthenticator(AccessTokenVerifier& verifier, const RoleCatalog& roles, SessionService& sessions);

    Result<Principal> authenticate(const QByteArray& bearerToken) override;

private:
    AccessTokenVerifier& m_verifier;
    const RoleCatalog& m_roles;
    SessionService& m_sessions;
};

} // namespace authshield::server
