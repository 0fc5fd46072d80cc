#include "server/app/AccessTokenAuthenticator.h"

#include "server/rbac/RoleCatalog.h"
#include "server/sessions/SessionService.h"
#include "server/tokens/AccessTokenVerifier.h"

namespace authshield::server {

AccessTokenAuthenticator::AccessTokenAuthenticator(AccessTokenVerifier& verifier, const RoleCatalog& roles,
                                                   SessionService& sessions)
    : m_verifier(verifier)
    , m_roles(roles)
    , m_sessions(sessions)
{
}

Result<Principal> AccessTokenAuthenticator::authenticate(const QByteArray& bearerToken)
{
    Result<AccessTokenClaims> claims = m_verifier.verify(bearerToken);
    if (!claims)
        return Error::make(ErrorCode::InvalidToken, QStringLiteral("The access token is invalid or expired."));
    m_sessions.touch(claims->sessionId);
    Principal principal;
    principal.userId = claims->userId;
    principal.sessionId = claims->sessionId;
    principal.tokenId = claims->tokenId;
    principal.roles = claims->roles;
    principal.permissions = m_roles.permissionsFor(claims->roles);
    principal.tokenExpiresAt = QDateTime::fromMSecsSinceEpoch(claims->expiresAtMs, Qt::UTC);
    return principal;
}

} // namespace authshield::server
