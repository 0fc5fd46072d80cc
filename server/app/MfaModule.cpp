#include "server/app/MfaModule.h"

#include "server/accounts/LoginService.h"
#include "server/accounts/UserRepository.h"
#include "server/admin/MfaAdminRoutes.h"
#include "server/app/AuthModule.h"
#include "server/app/SecurityServices.h"
#include "server/crypto/Sha256.h"
#include "server/http/MfaRoutes.h"
#include "server/mfa/MfaLogin.h"
#include "server/mfa/MfaPolicy.h"
#include "server/mfa/MfaRepository.h"
#include "server/mfa/MfaService.h"
#include "server/storage/KeyValueStore.h"
#include "server/tokens/TokenService.h"

namespace authshield::server {

MfaModule::MfaModule(QObject* parent)
    : QObject(parent)
{
}

MfaModule::~MfaModule()
{
    if (m_auth)
        m_auth->login().setSecondFactorGate(nullptr);
}

Result<std::unique_ptr<MfaModule>> MfaModule::create(const ServerConfig& config, const Database& database,
                                                     KeyValueStore& store, const AuditLog& audit,
                                                     const PasswordHasher& hasher, const MailOutbox& outbox,
                                                     AuthModule& auth, SecurityServices& security,
                                                     const Clock& clock, QObject* parent)
{
    Result<SecretBox> box = secretBoxFromConfig(config.secrets);
    if (!box)
        return box.error();
    // The recovery-code hash key is derived from the encryption key, so it needs no key of its own.
    const QByteArray recoveryKey = HmacSha256::mac(QByteArray::fromBase64(config.secrets.encryptionKey.toLatin1()),
                                                   QByteArrayLiteral("authshield mfa recovery codes v1"));
    std::unique_ptr<MfaModule> module(new MfaModule(parent));
    module->m_auth = &auth;
    module->m_users = std::make_unique<UserRepository>(database, clock);
    module->m_repository = std::make_unique<MfaRepository>(database, clock);
    module->m_service = std::make_unique<MfaService>(database, clock, *module->m_repository, *box,
                                                     RecoveryCodes(recoveryKey), hasher, *module->m_users, audit,
                                                     outbox, config.mfa.issuer);
    module->m_service->setEventCounter(&security.metricsRegistry().counter(
        QStringLiteral("authshield_mfa_events_total"),
        QStringLiteral("Two-factor events: enrolled, disabled, succeeded, failed, recovery_code_used, reset"),
        {QStringLiteral("event")}));
    TokenService* tokens = &auth.tokens();
    module->m_service->setSessionRevoker(
        [tokens](const QString& userId, const QString& reason, const RequestOrigin& origin) {
            return tokens->revokeAllSessions(userId, reason, origin);
        });
    module->m_policy
        = new MfaPolicy(config.mfa.requiredRoles, database, store, audit, clock, module.get());
    module->m_login = std::make_unique<MfaLogin>(*module->m_service, *module->m_repository, *module->m_policy,
                                                 *module->m_users, store, auth.login(), config.mfa.tokenTtl);
    module->m_login->setLockout(&security.lockout());
    auth.login().setSecondFactorGate(module->m_login.get());
    return module;
}

void MfaModule::registerRoutes(Router& router)
{
    registerMfaRoutes(router, *m_service, *m_login);
    registerMfaAdminRoutes(router, *m_service);
}

void MfaModule::start()
{
    m_policy->start();
}

} // namespace authshield::server
