#include "tests/support/AuthTestSupport.h"

#include "server/accounts/UserRepository.h"
#include "server/core/Clock.h"
#include "server/core/Config.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/storage/Database.h"

#include <QJsonDocument>

namespace authshield::test {

std::unique_ptr<server::Database> openServerDatabase(const QMap<QString, QString>& env, const QString& dataDir)
{
    server::DatabaseConfig config;
    config.url = env.value(QStringLiteral("AUTHSHIELD_DATABASE_URL"),
                           QStringLiteral("sqlite://") + dataDir + QStringLiteral("/authshield.db"));
    auto database = std::make_unique<server::Database>(config, dataDir);
    if (Result<void> opened = database->open(); !opened) {
        qWarning("cannot open the server's database: %s", qPrintable(opened.error().message));
        return nullptr;
    }
    return database;
}

QString seedUser(server::Database& database, const SeedUser& user)
{
    if (!server::CryptoRuntime::initialise().ok())
        return {};
    static const server::Argon2idHasher hasher { server::PasswordConfig {} };
    server::SystemClock clock;
    server::UserRepository users(database, clock);
    Result<QString> hash = hasher.hash(user.password.toUtf8());
    if (!hash)
        return {};
    server::NewUser newUser { user.email, *hash, QStringLiteral("Test user"), user.verified,
                              user.disabled ? server::UserStatus::Disabled : server::UserStatus::Active };
    Result<server::User> created = users.create(newUser);
    if (!created) {
        qWarning("cannot seed %s: %s", qPrintable(user.email), qPrintable(created.error().message));
        return {};
    }
    for (const QString& role : user.roles) {
        if (!users.assignRole(created->id, role).ok())
            return {};
    }
    return created->id;
}

TestResponse login(quint16 port, const QString& email, const QString& password, const QByteArray& userAgent)
{
    TestHttpClient client(port);
    return client.postJson("/api/v1/auth/login", QJsonObject { { "email", email }, { "password", password } },
                           { { "User-Agent", userAgent } });
}

namespace {
QJsonObject part(const QString& token, int index)
{
    const QStringList parts = token.split(QLatin1Char('.'));
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(
               QByteArray::fromBase64(parts.at(index).toLatin1(),
                                      QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))
        .object();
}
} // namespace

QJsonObject jwtPayload(const QString& token)
{
    return part(token, 1);
}

QJsonObject jwtHeader(const QString& token)
{
    return part(token, 0);
}

QMap<QString, QString> withoutThrottling(QMap<QString, QString> env)
{
    for (const char* policy : {"LOGIN_IP", "LOGIN_ACCOUNT", "REGISTER_IP", "FORGOT_IP", "FORGOT_ACCOUNT", "RESEND_IP",
                               "REFRESH_IP", "GLOBAL_IP", "VERIFY_IP", "MFA_IP"})
        env.insert(QStringLiteral("AUTHSHIELD_RATELIMIT_") + QLatin1String(policy), QStringLiteral("100000/60s"));
    env.insert(QStringLiteral("AUTHSHIELD_LOCKOUT_MAX_FAILURES"), QStringLiteral("1000"));
    return env;
}

} // namespace authshield::test
