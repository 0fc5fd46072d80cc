#include "tests/support/AuthCoreFixture.h"

#include "server/crypto/CryptoRuntime.h"
#include "server/crypto/SecretBox.h"
#include "server/storage/MigrationRunner.h"

namespace authshield::test {

std::unique_ptr<AuthCore> AuthCore::create(server::TokensConfig tokens, server::PasswordConfig passwords)
{
    if (!server::CryptoRuntime::initialise().ok())
        return nullptr;
    auto core = std::make_unique<AuthCore>();
    core->tokensConfig = tokens;
    core->passwordConfig = passwords;
    server::DatabaseConfig databaseConfig;
    databaseConfig.url = QStringLiteral("sqlite://") + core->dir.path() + QStringLiteral("/auth.db");
    core->database = std::make_unique<server::Database>(databaseConfig, core->dir.path());
    if (!core->database->open().ok())
        return nullptr;
    server::MigrationRunner migrations(*core->database);
    if (!migrations.apply().ok())
        return nullptr;
    core->store = std::make_unique<server::InProcessKeyValueStore>(core->clock);
    core->audit = std::make_unique<server::AuditLog>(*core->database, core->clock);
    core->hasher = std::make_unique<server::Argon2idHasher>(passwords);
    core->users = std::make_unique<server::UserRepository>(*core->database, core->clock);
    Result<server::SecretBox> box = server::SecretBox::fromKey(server::SecretBox::generateKey());
    if (!box)
        return nullptr;
    core->keys = std::make_unique<server::SigningKeyStore>(*core->database, core->clock, tokens, *box);
    if (!core->keys->initialise().ok())
        return nullptr;
    core->revocations
        = new server::RevocationList(*core->store, *core->database, core->clock, tokens.accessTtl, &core->owner);
    core->sessions
        = std::make_unique<server::SessionService>(*core->database, core->clock, *core->revocations, *core->audit);
    core->issuer.set(QStringLiteral("https://auth.example.test"));
    core->tokens = std::make_unique<server::TokenService>(*core->database, core->clock, tokens, core->issuer,
                                                          *core->keys, *core->sessions, *core->users, *core->audit);
    core->login
        = std::make_unique<server::LoginService>(*core->users, *core->hasher, *core->audit, *core->tokens, passwords);
    core->verifier = std::make_unique<server::AccessTokenVerifier>(*core->keys, *core->revocations, core->clock,
                                                                   core->issuer, tokens.audience);
    return core;
}

QString AuthCore::addUser(const QString& email, const QString& password, bool verified, bool disabled)
{
    Result<QString> hash = hasher->hash(password.toUtf8());
    if (!hash)
        return {};
    Result<server::User> user
        = users->create(server::NewUser { email, *hash, QStringLiteral("Unit"), verified,
                                          disabled ? server::UserStatus::Disabled : server::UserStatus::Active });
    if (!user || !users->assignRole(user->id, QStringLiteral("user")).ok())
        return {};
    return user->id;
}

} // namespace authshield::test
