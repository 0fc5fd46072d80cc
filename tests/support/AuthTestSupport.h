#pragma once

#include "tests/support/TestHttpClient.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>

namespace authshield::server {
class Database;
}

namespace authshield::test {

// An account put straight into a server's database with a real Argon2id hash (default parameters), for tests
// that need users without going through registration.
struct SeedUser
{
    QString email;
    QString password;
    bool verified = true;
    bool disabled = false;
    QStringList roles { QStringLiteral("user") };
};

// The database a ServerProcess with this environment and data dir uses (SQLite file or PostgreSQL database).
std::unique_ptr<server::Database> openServerDatabase(const QMap<QString, QString>& env, const QString& dataDir);
// Returns the new user's id (empty on failure, with a qWarning saying why).
QString seedUser(server::Database& database, const SeedUser& user);

TestResponse login(quint16 port, const QString& email, const QString& password,
                   const QByteArray& userAgent = QByteArrayLiteral("AuthShield-Tests"));
// The JWT's payload (unverified), e.g. to read sid/jti/kid in tests.
// Raises every rate-limit policy and the lockout threshold far beyond what a functional test sends from its
// one loopback address; the throttling tests themselves set their own small limits.
QMap<QString, QString> withoutThrottling(QMap<QString, QString> env);

QJsonObject jwtPayload(const QString& token);
QJsonObject jwtHeader(const QString& token);

} // namespace authshield::test
