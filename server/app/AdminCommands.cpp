#include "server/app/AdminCommands.h"

#include "server/accounts/PasswordPolicy.h"

#include "server/accounts/EmailAddress.h"
#include "server/accounts/UserRepository.h"
#include "server/app/AuthModule.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/DataDir.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/Transaction.h"
#include "server/tokens/SigningKeyStore.h"

#include <QJsonObject>

#include <cstdio>
#include <memory>
#include <termios.h>
#include <unistd.h>

namespace authshield::server {

namespace {
void printErr(const QString& text)
{
    std::fprintf(stderr, "authshield-server: %s\n", qPrintable(text));
}

// Crypto, data dir, secrets and an up-to-date database: what every database-changing command needs.
std::unique_ptr<Database> prepare(ServerConfig& config)
{
    if (Result<void> crypto = CryptoRuntime::initialise(); !crypto) {
        printErr(QStringLiteral("cryptographic self-test failed: ") + crypto.error().message);
        return nullptr;
    }
    if (Result<void> prepared = prepareDataDir(config); !prepared) {
        printErr(prepared.error().message);
        return nullptr;
    }
    if (Result<void> secrets = ensureDevSecrets(config); !secrets) {
        printErr(secrets.error().message);
        return nullptr;
    }
    auto database = std::make_unique<Database>(config.database, config.dataDir);
    if (Result<void> opened = database->open(); !opened) {
        printErr(QStringLiteral("cannot open the database %1: %2").arg(database->describe(), opened.error().message));
        return nullptr;
    }
    MigrationRunner migrations(*database);
    if (Result<QList<Migration>> applied = migrations.apply(); !applied) {
        printErr(applied.error().message);
        return nullptr;
    }
    return database;
}

// At most maxBytes + 1 bytes of the first line, so an over-long password is refused, not truncated silently.
QByteArray readLine(int maxBytes)
{
    QByteArray line;
    for (int c = std::fgetc(stdin); c != EOF && c != '\n'; c = std::fgetc(stdin)) {
        if (line.size() <= maxBytes)
            line.append(static_cast<char>(c));
    }
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

QByteArray promptPassword(const char* prompt, int maxBytes)
{
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    termios saved {};
    const bool tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    QByteArray password = readLine(maxBytes);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::fprintf(stderr, "\n");
    }
    return password;
}
} // namespace

QString AdminCommands::passwordProblem(const QByteArray& password, const QString& email, const PasswordConfig& config,
                                       const PasswordHasher& hasher)
{
    const QString text = QString::fromUtf8(password);
    if (text.toUtf8() != password)
        return QStringLiteral("the password is not valid UTF-8");
    // The same policy as every other account (length, the 10,000 most common, the email's local part).
    return PasswordPolicy(config, hasher).problems(text, email).join(QStringLiteral("; "));
}

int AdminCommands::createAdmin(ServerConfig config, const QString& email, std::optional<QByteArray> givenPassword)
{
    Result<QString> normalised = EmailAddress::normalise(email);
    if (!normalised) {
        printErr(QStringLiteral("\"%1\" is not a valid email address").arg(email));
        return 1;
    }
    std::unique_ptr<Database> database = prepare(config);
    if (!database)
        return 1;
    SystemClock clock;
    UserRepository users(*database, clock);
    AuditLog audit(*database, clock);

    Result<std::optional<User>> existing = users.findByEmail(*normalised);
    if (!existing) {
        printErr(existing.error().message);
        return 1;
    }
    const QString adminRole = QStringLiteral("admin");
    if (existing->has_value()) {
        const User& user = **existing;
        Result<QStringList> roles = users.roles(user.id);
        if (!roles) {
            printErr(roles.error().message);
            return 1;
        }
        if (roles->contains(adminRole)) {
            std::printf("%s is already an administrator; nothing changed\n", qPrintable(*normalised));
            return 0;
        }
        Result<Transaction> tx = Transaction::begin(*database);
        if (!tx) {
            printErr(tx.error().message);
            return 1;
        }
        Result<void> granted = users.assignRole(user.id, adminRole);
        Result<qint64> audited = granted
            ? audit.record(AuditEvent { QStringLiteral("admin.user.role_granted"),
                                        QString(),
                                        user.id,
                                        {},
                                        {},
                                        {},
                                        QStringLiteral("success"),
                                        QJsonObject { { QStringLiteral("role"), adminRole },
                                                      { QStringLiteral("via"), QStringLiteral("cli") } } })
            : Result<qint64>(granted.error());
        if (!audited || !tx->commit().ok()) {
            printErr(QStringLiteral("could not grant the admin role: ")
                     + (audited ? QStringLiteral("commit failed") : audited.error().message));
            return 1;
        }
        std::printf("granted the admin role to the existing account %s\n", qPrintable(*normalised));
        return 0;
    }

    const int maxBytes = config.password.maxBytes;
    QByteArray password;
    if (givenPassword) {
        password = std::move(*givenPassword);
    } else if (::isatty(STDIN_FILENO)) {
        password = promptPassword("Password for the new administrator: ", maxBytes);
        const QByteArray again = promptPassword("Repeat the password: ", maxBytes);
        if (again != password) {
            printErr(QStringLiteral("the passwords do not match"));
            return 1;
        }
    } else {
        password = readLine(maxBytes);
    }
    Argon2idHasher hasher(config.password);
    if (const QString problem = passwordProblem(password, *normalised, config.password, hasher); !problem.isEmpty()) {
        printErr(QStringLiteral("the password is refused: ") + problem);
        return 1;
    }
    Result<QString> hash = hasher.hash(password);
    password.fill('\0');
    if (!hash) {
        printErr(hash.error().message);
        return 1;
    }
    Result<Transaction> tx = Transaction::begin(*database);
    if (!tx) {
        printErr(tx.error().message);
        return 1;
    }
    Result<User> created
        = users.create(NewUser { *normalised, *hash, EmailAddress::localPart(*normalised), true, UserStatus::Active });
    if (!created) {
        printErr(QStringLiteral("could not create the account: ") + created.error().message);
        return 1;
    }
    for (const QString& role : { QStringLiteral("user"), adminRole }) {
        if (Result<void> granted = users.assignRole(created->id, role); !granted) {
            printErr(granted.error().message);
            return 1;
        }
    }
    Result<qint64> audited = audit.record(AuditEvent {
        QStringLiteral("admin.user.created"),
        QString(),
        created->id,
        {},
        {},
        {},
        QStringLiteral("success"),
        QJsonObject { { QStringLiteral("role"), adminRole }, { QStringLiteral("via"), QStringLiteral("cli") } } });
    if (!audited) {
        printErr(audited.error().message);
        return 1;
    }
    if (Result<void> committed = tx->commit(); !committed) {
        printErr(committed.error().message);
        return 1;
    }
    std::printf("created the administrator %s (id %s)\n", qPrintable(*normalised), qPrintable(created->id));
    return 0;
}

int AdminCommands::rotateKeys(ServerConfig config)
{
    std::unique_ptr<Database> database = prepare(config);
    if (!database)
        return 1;
    Result<SecretBox> box = secretBoxFromConfig(config.secrets);
    if (!box) {
        printErr(box.error().message);
        return 1;
    }
    SystemClock clock;
    SigningKeyStore keys(*database, clock, config.tokens, *box);
    Result<QString> kid = keys.rotate();
    if (!kid) {
        printErr(QStringLiteral("key rotation failed: ") + kid.error().message);
        return 1;
    }
    AuditLog audit(*database, clock);
    (void)audit.record(AuditEvent { QStringLiteral("admin.keys.rotated"),
                                    QString(),
                                    *kid,
                                    {},
                                    {},
                                    {},
                                    QStringLiteral("success"),
                                    QJsonObject { { QStringLiteral("via"), QStringLiteral("cli") } } });
    std::printf("%s\n", qPrintable(*kid));
    return 0;
}

} // namespace authshield::server
