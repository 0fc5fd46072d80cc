#pragma once

#include "server/accounts/LoginService.h"
#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Config.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/sessions/RevocationList.h"
#include "server/sessions/SessionService.h"
#include "server/storage/Database.h"
#include "server/storage/InProcessKeyValueStore.h"
#include "server/tokens/AccessTokenVerifier.h"
#include "server/tokens/SigningKeyStore.h"
#include "server/tokens/TokenService.h"

#include <QObject>
#include <QTemporaryDir>

#include <atomic>
#include <chrono>
#include <memory>

namespace authshield::test {

// A clock the test moves by hand.
class ManualClock final : public server::Clock
{
public:
    QDateTime now() const override { return QDateTime::fromMSecsSinceEpoch(m_ms.load(), Qt::UTC); }
    void advance(std::chrono::milliseconds by) { m_ms += by.count(); }

private:
    std::atomic<qint64> m_ms { 1'800'000'000'000 };
};

// The authentication core (keys, sessions, revocation, tokens, login) on a throw-away SQLite database with an
// in-process store and a manual clock, for unit tests of the domain services without a server.
class AuthCore
{
public:
    static std::unique_ptr<AuthCore> create(server::TokensConfig tokens = {}, server::PasswordConfig passwords = {});

    QString addUser(const QString& email, const QString& password, bool verified = true, bool disabled = false);
    server::RequestOrigin origin() const { return { QStringLiteral("192.0.2.1"), QStringLiteral("unit-test"), {} }; }

    QTemporaryDir dir;
    ManualClock clock;
    server::TokensConfig tokensConfig;
    server::PasswordConfig passwordConfig;
    QObject owner; // parent of the QObject services
    std::unique_ptr<server::Database> database;
    std::unique_ptr<server::InProcessKeyValueStore> store;
    std::unique_ptr<server::AuditLog> audit;
    std::unique_ptr<server::Argon2idHasher> hasher;
    std::unique_ptr<server::UserRepository> users;
    std::unique_ptr<server::SigningKeyStore> keys;
    server::RevocationList* revocations = nullptr;
    std::unique_ptr<server::SessionService> sessions;
    server::TokenIssuer issuer;
    std::unique_ptr<server::TokenService> tokens;
    std::unique_ptr<server::LoginService> login;
    std::unique_ptr<server::AccessTokenVerifier> verifier;
};

} // namespace authshield::test
