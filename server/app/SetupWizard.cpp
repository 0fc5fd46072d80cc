#include "server/app/SetupWizard.h"

#include "server/accounts/UserRepository.h"
#include "server/app/AdminCommands.h"
#include "server/core/Clock.h"
#include "server/core/ConfigKeys.h"
#include "server/core/ConfigLoader.h"
#include "server/core/DataDir.h"
#include "server/core/ProfileValidator.h"
#include "server/mail/SmtpDiagnostics.h"
#include "server/crypto/Random.h"
#include "server/storage/Database.h"
#include "server/storage/DatabaseUrl.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/RedisClient.h"
#include "server/storage/RedisUrl.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUrl>

#include <cstdio>
#include <pwd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {

const char kUsage[] = R"(usage: authshield-server setup [options]

Checks the database, Redis and SMTP, generates the secrets, writes the configuration, creates the first
administrator and runs the production checks. Without --non-interactive every answer is asked on the
terminal with the current value as the default. Safe to run again: secrets are never replaced, an existing
administrator is kept.

  --non-interactive            take every answer from the options, environment and existing config
  --config-out FILE            config to read and write (default --config, else /etc/authshield/authshield.conf)
  --data-dir DIR               data directory (default /var/lib/authshield as root)   [AUTHSHIELD_DATA_DIR]
  --public-url URL             https:// address clients use; the token issuer          [AUTHSHIELD_PUBLIC_URL]
  --listen HOST:PORT           address to listen on (default 127.0.0.1:8080)           [AUTHSHIELD_HTTP_LISTEN]
  --database-url URL           sqlite:///path.db or postgresql://user:password@host:port/db
                                                                                       [AUTHSHIELD_DATABASE_URL]
  --no-create-database         do not create a missing PostgreSQL database
  --redis-url URL|none         redis://[:password@]host:port/db; none = in-process     [AUTHSHIELD_REDIS_URL]
  --smtp-host HOST|none        SMTP server; none = mail stays in the data dir          [AUTHSHIELD_SMTP_HOST]
  --smtp-port PORT             default 465 for tls, 587 otherwise                      [AUTHSHIELD_SMTP_PORT]
  --smtp-security MODE         tls | starttls | opportunistic | none                   [AUTHSHIELD_SMTP_SECURITY]
  --smtp-user USER             SMTP AUTH user                                          [AUTHSHIELD_SMTP_USERNAME]
  --smtp-password-file FILE    SMTP AUTH password (first line)                [AUTHSHIELD_SMTP_PASSWORD_FILE]
  --smtp-ca-file FILE          PEM of a private CA to trust for the SMTP server        [AUTHSHIELD_SMTP_CA_FILE]
  --smtp-from ADDRESS          From header of outgoing mail                            [AUTHSHIELD_MAIL_FROM]
  --admin-email EMAIL          first administrator                              [AUTHSHIELD_SETUP_ADMIN_EMAIL]
  --admin-password-file FILE   its password (first line); default: read from stdin or the terminal
  --service-user NAME          owner of the data dir and secrets when run as root (default authshield)
)";

constexpr std::chrono::seconds kCheckTimeout{5};

void say(const QString& text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

void warn(const QString& text)
{
    std::fprintf(stderr, "setup: warning: %s\n", qPrintable(text));
}

int fail(const QString& text)
{
    std::fprintf(stderr, "setup: %s\n", qPrintable(text));
    return 1;
}

QString readLine(bool echo)
{
    termios saved {};
    const bool silence = !echo && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (silence) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    QByteArray line;
    for (int c = std::fgetc(stdin); c != EOF && c != '\n' && line.size() < 4096; c = std::fgetc(stdin))
        line.append(static_cast<char>(c));
    if (silence) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::printf("\n");
    }
    return QString::fromUtf8(line).trimmed();
}

// First line of a file: passwords handed over by path, never by argv.
Result<QByteArray> readSecretFile(const QString& path, const QString& what)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(ErrorCode::ValidationFailed,
                           u"cannot read the %1 file %2: %3"_s.arg(what, path, file.errorString()));
    QByteArray content = file.read(64 * 1024);
    const qsizetype end = content.indexOf('\n');
    if (end >= 0)
        content.truncate(end);
    if (content.endsWith('\r'))
        content.chop(1);
    if (content.isEmpty())
        return Error::make(ErrorCode::ValidationFailed, u"the %1 file %2 is empty"_s.arg(what, path));
    return content;
}

QString quoteIfNeeded(const QString& value)
{
    const bool needsQuotes = value != value.trimmed() || value.contains(u" #"_s) || value.contains(u"\t#"_s)
        || value.contains(u" ;"_s) || value.startsWith(u'"') || value.startsWith(u'\'');
    if (!needsQuotes)
        return value;
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
    return u'"' + escaped + u'"';
}

struct ServiceAccount
{
    bool apply = false; // running as root and the user exists
    uid_t uid = 0;
    gid_t gid = 0;
};

ServiceAccount serviceAccount(const QString& name)
{
    ServiceAccount account;
    if (::geteuid() != 0)
        return account;
    const QByteArray encoded = name.toLocal8Bit();
    if (const passwd* entry = ::getpwnam(encoded.constData())) {
        account.apply = true;
        account.uid = entry->pw_uid;
        account.gid = entry->pw_gid;
    }
    return account;
}

bool chownPath(const QString& path, uid_t uid, gid_t gid)
{
    return ::lchown(QFile::encodeName(path).constData(), uid, gid) == 0;
}

// A secret file the service reads: 0600, the service user's when run as root. Existing files are kept as they are
// (only their mode is tightened) so that a re-run never replaces a key that encrypts data.
enum class SecretWrite { Keep, Replace };
Result<bool> writeSecret(const QString& path, const QByteArray& value, SecretWrite mode, const ServiceAccount& owner)
{
    const bool exists = QFileInfo(path).size() > 0;
    if (exists && mode == SecretWrite::Keep) {
        ::chmod(QFile::encodeName(path).constData(), 0600);
        if (owner.apply)
            chownPath(path, owner.uid, owner.gid);
        return false;
    }
    const mode_t previous = ::umask(077);
    QSaveFile file(path);
    const bool opened = file.open(QIODevice::WriteOnly);
    ::umask(previous);
    if (!opened)
        return Error::make(ErrorCode::Internal, u"cannot write %1: %2"_s.arg(path, file.errorString()));
    file.write(value + '\n');
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (!file.commit())
        return Error::make(ErrorCode::Internal, u"cannot write %1: %2"_s.arg(path, file.errorString()));
    if (owner.apply)
        chownPath(path, owner.uid, owner.gid);
    return true;
}

class Wizard
{
public:
    explicit Wizard(bool interactive)
        : m_interactive(interactive)
        , m_env(QProcessEnvironment::systemEnvironment())
    {
    }

    int parseAndRun(const QStringList& arguments);

private:
    QString ask(const QString& question, const QString& current, bool secret = false);
    bool confirm(const QString& question, bool defaultYes);
    QString env(const char* name) const { return m_env.value(QString::fromLatin1(name)); }

    int gather();
    int checkPublicUrl();
    int checkDatabase();
    int checkRedis();
    int checkSmtp();
    int writeSecrets();
    int writeConfig();
    int createAdmin();
    int runChecks();
    void handOver();
    void nextSteps() const;

    bool m_interactive;
    QProcessEnvironment m_env;
    QMap<QString, QString> m_flags; // option → value
    std::optional<LoadedConfig> m_existing;
    SetupAnswers m_answers;
    ServiceAccount m_owner;
    QString m_secretsDir;
    QMap<QString, QString> m_secretFiles; // "section.key" → file written by setup
    std::optional<LoadedConfig> m_written;
};

QString Wizard::ask(const QString& question, const QString& current, bool secret)
{
    if (!m_interactive)
        return current;
    if (secret)
        std::printf("%s%s: ", qPrintable(question), current.isEmpty() ? "" : " [keep current]");
    else
        std::printf("%s [%s]: ", qPrintable(question), qPrintable(current));
    std::fflush(stdout);
    const QString answer = readLine(!secret);
    return answer.isEmpty() ? current : answer;
}

bool Wizard::confirm(const QString& question, bool defaultYes)
{
    if (!m_interactive)
        return defaultYes;
    std::printf("%s [%s]: ", qPrintable(question), defaultYes ? "Y/n" : "y/N");
    std::fflush(stdout);
    const QString answer = readLine(true).toLower();
    return answer.isEmpty() ? defaultYes : answer.startsWith(u'y');
}

int Wizard::parseAndRun(const QStringList& arguments)
{
    static const QStringList valued = {u"--config"_s, u"--config-out"_s, u"--data-dir"_s, u"--public-url"_s,
                                       u"--listen"_s, u"--database-url"_s, u"--redis-url"_s, u"--smtp-host"_s,
                                       u"--smtp-port"_s, u"--smtp-security"_s, u"--smtp-user"_s,
                                       u"--smtp-password-file"_s, u"--smtp-from"_s, u"--smtp-ca-file"_s, u"--admin-email"_s,
                                       u"--admin-password-file"_s, u"--service-user"_s};
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& argument = arguments.at(i);
        const qsizetype equals = argument.indexOf(u'=');
        const QString name = equals > 0 ? argument.left(equals) : argument;
        if (argument == "--non-interactive"_L1 || argument == "--no-create-database"_L1) {
            m_flags.insert(argument, u"yes"_s);
        } else if (valued.contains(name)) {
            if (equals > 0) {
                m_flags.insert(name, argument.mid(equals + 1));
            } else if (i + 1 < arguments.size()) {
                m_flags.insert(name, arguments.at(++i));
            } else {
                std::fprintf(stderr, "authshield-server: %s needs a value\n", qPrintable(name));
                return 2;
            }
        } else if (argument == "--help"_L1 || argument == "-h"_L1) {
            std::printf("%s", kUsage);
            return 0;
        } else {
            std::fprintf(stderr, "authshield-server: setup does not know \"%s\" (see setup --help)\n",
                         qPrintable(argument));
            return 2;
        }
    }
    m_interactive = !m_flags.contains(u"--non-interactive"_s);
    m_answers.createDatabase = !m_flags.contains(u"--no-create-database"_s);

    using Step = int (Wizard::*)();
    const QList<QPair<const char*, Step>> steps = {
        {"Answers", &Wizard::gather},        {"Public URL", &Wizard::checkPublicUrl},
        {"Database", &Wizard::checkDatabase}, {"Redis", &Wizard::checkRedis},
        {"SMTP", &Wizard::checkSmtp},         {"Secrets", &Wizard::writeSecrets},
        {"Configuration", &Wizard::writeConfig}, {"Administrator", &Wizard::createAdmin},
        {"Production checks", &Wizard::runChecks}};
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const auto& [title, step] = steps.at(i);
        if (i > 0)
            say(u"== "_s + QString::fromLatin1(title));
        if (const int code = (this->*step)(); code != 0)
            return code;
    }
    handOver();
    nextSteps();
    return 0;
}

int Wizard::gather()
{
    auto pick = [this](const QString& flag, const char* envName, const QString& fromConfig, const QString& fallback) {
        if (m_flags.contains(flag))
            return m_flags.value(flag);
        if (const QString fromEnv = env(envName); !fromEnv.isEmpty())
            return fromEnv;
        return fromConfig.isEmpty() ? fallback : fromConfig;
    };
    m_answers.configPath = m_flags.value(u"--config-out"_s, m_flags.value(u"--config"_s));
    if (m_answers.configPath.isEmpty())
        m_answers.configPath = env("AUTHSHIELD_CONFIG");
    if (m_answers.configPath.isEmpty())
        m_answers.configPath = u"/etc/authshield/authshield.conf"_s;
    m_answers.configPath = QFileInfo(m_answers.configPath).absoluteFilePath();
    m_answers.serviceUser = m_flags.value(u"--service-user"_s, m_answers.serviceUser);
    m_owner = serviceAccount(m_answers.serviceUser);

    // The existing file alone (no environment) is what a re-run starts from.
    if (QFileInfo::exists(m_answers.configPath)) {
        ConfigSources sources;
        sources.configPath = m_answers.configPath;
        Result<LoadedConfig> loaded = ConfigLoader::load(sources);
        if (!loaded)
            return fail(u"the existing configuration %1 has problems; fix or move it away and run setup again:\n"_s
                            .arg(m_answers.configPath)
                        + loaded.error().message);
        m_existing = std::move(loaded).value();
    }
    auto existing = [this](const QString& id, const auto& value) -> QString {
        if (!m_existing || m_existing->sources.value(id, u"default"_s).startsWith(u"default"_s))
            return {};
        return value(m_existing->config);
    };
    const QString fallbackDataDir = ::geteuid() == 0 ? u"/var/lib/authshield"_s : defaultDataDir(m_env);

    m_answers.dataDir = ask(u"Data directory"_s,
                            pick(u"--data-dir"_s, "AUTHSHIELD_DATA_DIR",
                                 existing(u"server.data_dir"_s, [](const ServerConfig& c) { return c.dataDir; }),
                                 fallbackDataDir));
    m_answers.dataDir = QDir(m_answers.dataDir).absolutePath();
    m_answers.publicUrl = ask(
        u"Public URL (the https:// address clients and mail links use)"_s,
        pick(u"--public-url"_s, "AUTHSHIELD_PUBLIC_URL",
             existing(u"server.public_url"_s, [](const ServerConfig& c) { return c.publicUrl; }), QString()));
    m_answers.listen = ask(u"Listen address (host:port; put a TLS reverse proxy in front)"_s,
                           pick(u"--listen"_s, "AUTHSHIELD_HTTP_LISTEN",
                                existing(u"http.listen"_s,
                                         [](const ServerConfig& c) { return formatListen(c.http.host, c.http.port); }),
                                u"127.0.0.1:8080"_s));
    m_answers.databaseUrl = ask(
        u"Database (sqlite:///path.db, or postgresql://user:password@host:5432/authshield)"_s,
        pick(u"--database-url"_s, "AUTHSHIELD_DATABASE_URL",
             existing(u"database.url"_s, [](const ServerConfig& c) { return c.database.url; }),
             u"sqlite://"_s + m_answers.dataDir + u"/authshield.db"_s));
    if (m_existing)
        m_answers.databasePassword = m_existing->config.database.password;
    QString redis = ask(u"Redis (redis://[:password@]host:6379/0, or none for a single instance)"_s,
                        pick(u"--redis-url"_s, "AUTHSHIELD_REDIS_URL",
                             existing(u"redis.url"_s, [](const ServerConfig& c) { return c.redis.url; }), u"none"_s));
    m_answers.redisUrl = redis == "none"_L1 ? QString() : redis;
    if (m_existing)
        m_answers.redisPassword = m_existing->config.redis.password;

    auto smtpExisting = [&](const QString& key) -> QString {
        if (!m_existing)
            return {};
        const ConfigKey* configKey = findConfigKey(u"smtp"_s, key);
        return configKey && !m_existing->sources.value(configKey->id(), u"default"_s).startsWith(u"default"_s)
            ? configKey->show(m_existing->config)
            : QString();
    };
    QString smtpHost = ask(u"SMTP server host (none = keep mail as files in the data dir)"_s,
                           pick(u"--smtp-host"_s, "AUTHSHIELD_SMTP_HOST", smtpExisting(u"host"_s), u"none"_s));
    m_answers.smtpHost = smtpHost == "none"_L1 ? QString() : smtpHost;
    if (!m_answers.smtpHost.isEmpty()) {
        m_answers.smtpSecurity = ask(
            u"SMTP security (tls, starttls, opportunistic, none)"_s,
            pick(u"--smtp-security"_s, "AUTHSHIELD_SMTP_SECURITY", smtpExisting(u"security"_s), u"starttls"_s));
        const QString defaultPort = m_answers.smtpSecurity == "tls"_L1 ? u"465"_s : u"587"_s;
        const QString existingPort = smtpExisting(u"port"_s);
        const QString port = ask(u"SMTP port"_s, pick(u"--smtp-port"_s, "AUTHSHIELD_SMTP_PORT",
                                                      existingPort == "0"_L1 ? QString() : existingPort, defaultPort));
        bool numeric = false;
        m_answers.smtpPort = port.toInt(&numeric);
        if (!numeric || m_answers.smtpPort < 1 || m_answers.smtpPort > 65535)
            return fail(u"the SMTP port \"%1\" is not a port number (1-65535): pass e.g. --smtp-port 587"_s.arg(port));
        m_answers.smtpUser = ask(u"SMTP user (empty = no authentication)"_s,
                                 pick(u"--smtp-user"_s, "AUTHSHIELD_SMTP_USERNAME", smtpExisting(u"username"_s), {}));
        const QString passwordFile = pick(u"--smtp-password-file"_s, "AUTHSHIELD_SMTP_PASSWORD_FILE", {}, {});
        if (!passwordFile.isEmpty()) {
            Result<QByteArray> password = readSecretFile(passwordFile, u"SMTP password"_s);
            if (!password)
                return fail(password.error().message + u": pass a readable file to --smtp-password-file"_s);
            m_answers.smtpPassword = QString::fromUtf8(*password);
        } else if (m_existing && m_existing->secretFiles.contains(u"smtp.password"_s)) {
            Result<QByteArray> password
                = readSecretFile(m_existing->secretFiles.value(u"smtp.password"_s), u"SMTP password"_s);
            if (password)
                m_answers.smtpPassword = QString::fromUtf8(*password);
        }
        if (!m_answers.smtpUser.isEmpty())
            m_answers.smtpPassword = ask(u"SMTP password"_s, m_answers.smtpPassword, true);
        if (m_answers.smtpSecurity != "none"_L1)
            m_answers.smtpCaFile = ask(u"PEM file of a private CA for the SMTP server (empty = the system's CAs)"_s,
                                       pick(u"--smtp-ca-file"_s, "AUTHSHIELD_SMTP_CA_FILE", smtpExisting(u"ca_file"_s),
                                            {}));
    }
    m_answers.mailFrom = ask(u"From address of outgoing mail"_s,
                             pick(u"--smtp-from"_s, "AUTHSHIELD_MAIL_FROM",
                                  existing(u"mail.from"_s, [](const ServerConfig& c) { return c.mail.from; }),
                                  u"AuthShield <no-reply@"_s + QUrl(m_answers.publicUrl).host() + u'>'));

    m_answers.adminEmail = pick(u"--admin-email"_s, "AUTHSHIELD_SETUP_ADMIN_EMAIL", {}, {});
    const QString adminPasswordFile
        = pick(u"--admin-password-file"_s, "AUTHSHIELD_SETUP_ADMIN_PASSWORD_FILE", {}, {});
    if (!adminPasswordFile.isEmpty()) {
        Result<QByteArray> password = readSecretFile(adminPasswordFile, u"administrator password"_s);
        if (!password)
            return fail(password.error().message + u": pass a readable file to --admin-password-file"_s);
        m_answers.adminPassword = *password;
    }
    return 0;
}

int Wizard::checkPublicUrl()
{
    if (const QString problem = SetupWizard::publicUrlProblem(m_answers.publicUrl); !problem.isEmpty())
        return fail(problem);
    say(u"  %1 is the token issuer and the base of mail links"_s.arg(m_answers.publicUrl));
    return 0;
}

int Wizard::checkDatabase()
{
    Result<DatabaseUrl> parsed = DatabaseUrl::parse(m_answers.databaseUrl, m_answers.dataDir);
    if (!parsed)
        return fail(u"the database URL is not usable: %1; use sqlite:///absolute/path.db or "
                    u"postgresql://user:password@host:5432/database"_s.arg(parsed.error().message));
    DatabaseConfig config;
    config.connectTimeout = kCheckTimeout;
    if (parsed->backend == SqlBackend::Postgres) {
        // The password moves to a 0600 file; the config keeps the URL without it.
        if (!parsed->password.isEmpty())
            m_answers.databasePassword = parsed->password;
        QUrl url(m_answers.databaseUrl);
        url.setPassword(QString());
        m_answers.databaseUrl = url.toString();
        config.password = m_answers.databasePassword;
    } else {
        m_answers.databaseUrl = u"sqlite://"_s + parsed->path;
    }
    config.url = m_answers.databaseUrl;

    auto database = std::make_unique<Database>(config, m_answers.dataDir);
    Result<void> opened = database->open();
    if (!opened && parsed->backend == SqlBackend::Postgres
        && opened.error().message.contains(u"database \"%1\" does not exist"_s.arg(parsed->database))) {
        static const QRegularExpression safeName(u"^[A-Za-z_][A-Za-z0-9_]{0,62}$"_s);
        if (!safeName.match(parsed->database).hasMatch())
            return fail(u"PostgreSQL at %1:%2 has no database \"%3\", and setup only creates databases named with "
                        u"letters, digits and _: create it yourself (sudo -u postgres createdb -O %4 '%3')"_s.arg(
                            parsed->host, QString::number(parsed->port), parsed->database, parsed->user));
        if (!m_answers.createDatabase
            || !confirm(u"PostgreSQL has no database \"%1\" yet. Create it?"_s.arg(parsed->database), true))
            return fail(u"PostgreSQL at %1:%2 has no database \"%3\": create it (sudo -u postgres createdb -O %4 %3) "
                        u"or run setup without --no-create-database"_s.arg(parsed->host, QString::number(parsed->port),
                                                                         parsed->database, parsed->user));
        QUrl maintenance(m_answers.databaseUrl);
        maintenance.setPath(u"/postgres"_s);
        DatabaseConfig maintenanceConfig = config;
        maintenanceConfig.url = maintenance.toString();
        Database maintenanceDb(maintenanceConfig, m_answers.dataDir);
        Result<void> reached = maintenanceDb.open();
        if (!reached)
            return fail(SetupWizard::explainDatabaseError(reached.error().message, *parsed));
        if (Result<void> created = maintenanceDb.exec(u"CREATE DATABASE \"%1\""_s.arg(parsed->database)); !created) {
            return fail(u"PostgreSQL at %1:%2 did not let user %3 create the database \"%4\" (%5): create it as the "
                        u"postgres user: sudo -u postgres createdb -O %3 %4"_s.arg(
                            parsed->host, QString::number(parsed->port), parsed->user, parsed->database,
                            created.error().message.simplified()));
        }
        say(u"  created the database \"%1\""_s.arg(parsed->database));
        database = std::make_unique<Database>(config, m_answers.dataDir);
        opened = database->open();
    }
    if (!opened) {
        if (parsed->backend == SqlBackend::Sqlite)
            return fail(u"cannot open the SQLite database %1 (%2): make sure its directory exists and is writable "
                        u"by root and the service user"_s.arg(parsed->path, opened.error().message.simplified()));
        return fail(SetupWizard::explainDatabaseError(opened.error().message, *parsed));
    }
    MigrationRunner migrations(*database);
    if (Result<void> verified = migrations.verify(); !verified)
        return fail(u"the database %1 does not match this version: %2"_s.arg(database->describe(),
                                                                             verified.error().message));
    Result<QList<Migration>> applied = migrations.apply();
    if (!applied)
        return fail(u"migrations failed on %1: %2"_s.arg(database->describe(), applied.error().message));
    say(u"  %1 is reachable; %2"_s.arg(database->describe(),
                                      applied->isEmpty() ? u"the schema is up to date"_s
                                                         : u"applied %1 migration(s)"_s.arg(applied->size())));
    return 0;
}

int Wizard::checkRedis()
{
    if (m_answers.redisUrl.isEmpty()) {
        say(u"  none: rate limits, lockouts and the token blocklist stay in this process, so run one instance"_s);
        return 0;
    }
    Result<RedisUrl> parsed = RedisUrl::parse(m_answers.redisUrl);
    if (!parsed)
        return fail(u"the Redis URL is not usable: %1; use redis://[:password@]host:6379/0 or none"_s.arg(
            parsed.error().message));
    if (!parsed->password.isEmpty())
        m_answers.redisPassword = parsed->password;
    else
        parsed->password = m_answers.redisPassword;
    QUrl url(m_answers.redisUrl);
    url.setPassword(QString());
    if (url.userName().isEmpty())
        url.setUserInfo(QString());
    m_answers.redisUrl = url.toString();

    RedisClient client(*parsed, kCheckTimeout, kCheckTimeout);
    Result<RedisReply> pong = client.command({QByteArrayLiteral("PING")});
    if (!pong || pong->isError())
        return fail(SetupWizard::explainRedisError(pong ? QString::fromUtf8(pong->string) : pong.error().message,
                                                   *parsed));
    const QString where = parsed->displayString();
    auto configValue = [&](const QByteArray& name) -> std::optional<QByteArray> {
        Result<RedisReply> reply = client.command({QByteArrayLiteral("CONFIG"), QByteArrayLiteral("GET"), name});
        if (!reply || reply->isError() || reply->elements.size() < 2)
            return std::nullopt;
        return reply->elements.at(1).string;
    };
    const std::optional<QByteArray> appendOnly = configValue(QByteArrayLiteral("appendonly"));
    const std::optional<QByteArray> save = configValue(QByteArrayLiteral("save"));
    if (!appendOnly || !save) {
        warn(u"Redis at %1 answers PING but refused CONFIG GET, so its persistence is unknown: make sure AOF "
             u"(appendonly yes) or RDB snapshots are on, or lockouts and the token blocklist are lost on a restart"_s
                 .arg(where));
    } else if (const QString warning = SetupWizard::redisPersistenceWarning(*appendOnly, *save, where);
               !warning.isEmpty()) {
        warn(warning);
    }
    say(u"  Redis at %1 answers PING"_s.arg(where));
    return 0;
}

// The mail worker's own client connects, greets, secures and authenticates, then QUITs (no mail is sent).
int Wizard::checkSmtp()
{
    if (m_answers.smtpHost.isEmpty()) {
        say(u"  none: outgoing mail is written to %1/mail as .eml files"_s.arg(m_answers.dataDir));
        return 0;
    }
    const std::optional<SmtpSecurity> security = smtpSecurityFromName(m_answers.smtpSecurity);
    if (!security)
        return fail(u"the SMTP security \"%1\" is unknown: use tls (port 465), starttls (587), opportunistic or "
                    u"none"_s.arg(m_answers.smtpSecurity));
    if (!m_answers.smtpCaFile.isEmpty() && !QFileInfo(m_answers.smtpCaFile).isReadable())
        return fail(u"the SMTP CA file %1 cannot be read: pass a PEM file to --smtp-ca-file"_s.arg(m_answers.smtpCaFile));
    SmtpSettings settings;
    settings.host = m_answers.smtpHost;
    settings.port = m_answers.smtpPort;
    settings.security = *security;
    settings.username = m_answers.smtpUser;
    settings.password = m_answers.smtpPassword;
    settings.caFile = m_answers.smtpCaFile;
    settings.timeout = kCheckTimeout;
    const SmtpDiagnosticReport report = SmtpDiagnostics::runBlocking(settings, QString());
    const QString where = u"%1:%2"_s.arg(settings.host).arg(settings.effectivePort());
    if (!report.ok) {
        const QString why = report.message;
        if (report.errorClass == "dns"_L1)
            return fail(u"SMTP: the host name %1 does not resolve (%2): check --smtp-host"_s.arg(settings.host, why));
        if (report.errorClass == "connect"_L1 && why.contains(u"refused"_s, Qt::CaseInsensitive)
            && report.failedStep == "connect"_L1)
            return fail(u"SMTP: nothing accepts connections at %1 (%2): check --smtp-host and --smtp-port (587 for "
                        u"starttls, 465 for tls) and that a firewall lets this machine reach the mail server"_s.arg(
                            where, why));
        if (report.errorClass == "connect"_L1)
            return fail(u"SMTP: %1 did not accept the connection (%2): check --smtp-host, --smtp-port and the mail "
                        u"server's log"_s.arg(where, why));
        if (report.errorClass == "tls"_L1)
            return fail(u"SMTP: TLS with %1 failed (%2): check --smtp-security (tls on 465, starttls on 587) and that "
                        u"the server's certificate is valid for %3 and trusted (--smtp-ca-file for a private CA)"_s.arg(
                            where, why, settings.host));
        if (report.errorClass == "auth"_L1)
            return fail(u"SMTP: %1 refused the login of \"%2\" (%3): check --smtp-user and --smtp-password-file"_s.arg(
                where, settings.username, why));
        return fail(u"SMTP: %1 failed (%2): check the mail server's log"_s.arg(where, why));
    }
    say(u"  %1 accepts EHLO%2%3"_s.arg(where,
                                       settings.security == SmtpSecurity::None ? QString() : u" with TLS"_s,
                                       settings.username.isEmpty() ? QString() : u" and the login"_s));
    return 0;
}

int Wizard::writeSecrets()
{
    m_secretsDir = QFileInfo(m_answers.configPath).absolutePath() + u"/secrets"_s;
    if (!QDir().mkpath(m_secretsDir))
        return fail(u"cannot create %1: run setup as root (or pass --config-out to a writable place)"_s.arg(
            m_secretsDir));
    ::chmod(QFile::encodeName(m_secretsDir).constData(), 0700);
    if (m_owner.apply)
        chownPath(m_secretsDir, m_owner.uid, m_owner.gid);

    auto generated = [this](const QString& id, const QString& file, const QByteArray& value) -> bool {
        const QString path = m_secretsDir + u'/' + file;
        Result<bool> written = writeSecret(path, value, SecretWrite::Keep, m_owner);
        if (!written) {
            (void)fail(written.error().message);
            return false;
        }
        say(*written ? u"  generated %1"_s.arg(path) : u"  kept the existing %1"_s.arg(path));
        m_secretFiles.insert(id, path);
        return true;
    };
    auto given = [this](const QString& id, const QString& file, const QString& value) -> bool {
        if (value.isEmpty())
            return true;
        const QString path = m_secretsDir + u'/' + file;
        Result<bool> written = writeSecret(path, value.toUtf8(), SecretWrite::Replace, m_owner);
        if (!written) {
            (void)fail(written.error().message);
            return false;
        }
        m_secretFiles.insert(id, path);
        return true;
    };
    SystemRandom random;
    // A key that encrypts data at rest is only ever reused: with an existing config its file is kept.
    QString existingKeyFile = m_existing ? m_existing->secretFiles.value(u"secrets.encryption_key"_s) : QString();
    if (!existingKeyFile.isEmpty()) {
        m_secretFiles.insert(u"secrets.encryption_key"_s, existingKeyFile);
        say(u"  kept the existing %1"_s.arg(existingKeyFile));
    } else if (!generated(u"secrets.encryption_key"_s, u"encryption.key"_s, random.bytes(32).toBase64())) {
        return 1;
    }
    if (!generated(u"metrics.bearer_token"_s, u"metrics_bearer_token"_s, randomToken256(random)))
        return 1;
    if (!given(u"database.password"_s, u"database_password"_s, m_answers.databasePassword)
        || !given(u"redis.password"_s, u"redis_password"_s, m_answers.redisPassword)
        || !given(u"smtp.password"_s, u"smtp_password"_s, m_answers.smtpPassword))
        return 1;
    return 0;
}

int Wizard::writeConfig()
{
    QString text;
    QFile existing(m_answers.configPath);
    if (existing.exists()) {
        if (!existing.open(QIODevice::ReadOnly))
            return fail(u"cannot read %1: %2"_s.arg(m_answers.configPath, existing.errorString()));
        text = QString::fromUtf8(existing.readAll());
        existing.close();
    } else {
        text = renderExampleConfig();
    }
    const QString original = text;
    if (!text.endsWith(u'\n'))
        text.append(u'\n');
    // An empty answer ("none") leaves the key at its default: its active line goes, the commented one stays.
    auto set = [&text](const QString& section, const QString& key, const QString& value) {
        text = value.isEmpty() ? SetupWizard::removeIniValue(text, section, key)
                               : SetupWizard::setIniValue(text, section, key, quoteIfNeeded(value));
    };
    set(u"server"_s, u"profile"_s, u"prod"_s);
    set(u"server"_s, u"data_dir"_s, m_answers.dataDir);
    set(u"server"_s, u"public_url"_s, m_answers.publicUrl);
    set(u"server"_s, u"api_docs"_s, u"false"_s);
    set(u"http"_s, u"listen"_s, m_answers.listen);
    set(u"database"_s, u"url"_s, m_answers.databaseUrl);
    set(u"redis"_s, u"url"_s, m_answers.redisUrl);
    set(u"mail"_s, u"from"_s, m_answers.mailFrom);
    // No SMTP host: the [smtp] keys go back to their defaults (mail as files, or the console's SMTP settings).
    const bool smtp = !m_answers.smtpHost.isEmpty();
    set(u"smtp"_s, u"host"_s, m_answers.smtpHost);
    set(u"smtp"_s, u"port"_s, smtp ? QString::number(m_answers.smtpPort) : QString());
    set(u"smtp"_s, u"security"_s, smtp ? m_answers.smtpSecurity : QString());
    set(u"smtp"_s, u"username"_s, smtp ? m_answers.smtpUser : QString());
    set(u"smtp"_s, u"ca_file"_s, smtp ? m_answers.smtpCaFile : QString());
    for (auto it = m_secretFiles.cbegin(); it != m_secretFiles.cend(); ++it) {
        const QString section = it.key().section(u'.', 0, 0);
        const QString key = it.key().section(u'.', 1);
        text = SetupWizard::removeIniValue(text, section, key); // an inline secret gives way to its file
        set(section, key + u"_file"_s, it.value());
    }
    if (text == original && existing.exists()) {
        say(u"  %1 already says all this; unchanged"_s.arg(m_answers.configPath));
    } else {
        if (existing.exists()) {
            const QString backup = m_answers.configPath + u".setup-backup"_s;
            QFile::remove(backup);
            if (!QFile::copy(m_answers.configPath, backup))
                return fail(u"cannot back up %1 to %2"_s.arg(m_answers.configPath, backup));
            QFile::setPermissions(backup, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        QSaveFile file(m_answers.configPath);
        if (!file.open(QIODevice::WriteOnly))
            return fail(u"cannot write %1: %2 (run setup as root, or pass --config-out)"_s.arg(m_answers.configPath,
                                                                                              file.errorString()));
        file.write(text.toUtf8());
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);
        if (!file.commit())
            return fail(u"cannot write %1: %2"_s.arg(m_answers.configPath, file.errorString()));
        say(u"  wrote %1"_s.arg(m_answers.configPath));
    }
    // Root writes it, the service group reads it.
    if (m_owner.apply)
        chownPath(m_answers.configPath, 0, m_owner.gid);
    ::chmod(QFile::encodeName(m_answers.configPath).constData(), 0640);

    ConfigSources sources;
    sources.configPath = m_answers.configPath;
    Result<LoadedConfig> loaded = ConfigLoader::load(sources);
    if (!loaded)
        return fail(u"the written configuration does not load (please report this):\n"_s + loaded.error().message);
    m_written = std::move(loaded).value();
    return 0;
}

int Wizard::createAdmin()
{
    ServerConfig config = m_written->config;
    if (m_answers.adminEmail.isEmpty()) {
        if (Result<void> prepared = prepareDataDir(config); !prepared)
            return fail(prepared.error().message);
        Database database(config.database, config.dataDir);
        if (Result<void> opened = database.open(); !opened)
            return fail(u"cannot open the database %1: %2"_s.arg(database.describe(), opened.error().message));
        SystemClock clock;
        Result<qint64> admins = UserRepository(database, clock).countActiveWithRole(u"admin"_s);
        if (!admins)
            return fail(admins.error().message);
        if (*admins > 0) {
            say(u"  kept the existing administrator(s) (%1)"_s.arg(*admins));
            return 0;
        }
        m_answers.adminEmail = ask(u"Email of the first administrator"_s, QString());
        if (m_answers.adminEmail.isEmpty())
            return fail(u"there is no administrator yet: pass --admin-email (the password is read from stdin or "
                        u"--admin-password-file)"_s);
    }
    std::fflush(stdout);
    const int code = AdminCommands::createAdmin(config, m_answers.adminEmail, m_answers.adminPassword);
    std::fflush(stdout);
    if (code != 0)
        return fail(u"the administrator %1 was not created (see above): fix that and run setup again; everything "
                    u"else is already in place"_s.arg(m_answers.adminEmail));
    return 0;
}

int Wizard::runChecks()
{
    for (const QString& warning : ProfileValidator::prodWarnings(*m_written))
        warn(warning);
    const QStringList problems = ProfileValidator::prodProblems(*m_written);
    for (const QString& problem : problems)
        std::fprintf(stderr, "setup: problem: %s\n", qPrintable(problem));
    if (!problems.isEmpty())
        return fail(u"check-config found %1 problem(s) in %2; fix them and run setup again"_s.arg(problems.size())
                        .arg(m_answers.configPath));
    say(u"  check-config: no problems"_s);
    return 0;
}

// As root, everything in the data dir (created while checking and migrating) belongs to the service user.
void Wizard::handOver()
{
    if (!m_owner.apply) {
        if (::geteuid() == 0)
            warn(u"the service user %1 does not exist (it is created by the authshield-server package): the data "
                 u"dir and secrets stay owned by root"_s.arg(m_answers.serviceUser));
        return;
    }
    chownPath(m_answers.dataDir, m_owner.uid, m_owner.gid);
    QDirIterator it(m_answers.dataDir, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    for (int count = 0; it.hasNext() && count < 100000; ++count)
        chownPath(it.next(), m_owner.uid, m_owner.gid);
}

void Wizard::nextSteps() const
{
    say(u"\nAuthShield is configured. Next steps:"_s);
    say(u"  1. Put a TLS reverse proxy for %1 in front of http://%2"_s.arg(m_answers.publicUrl, m_answers.listen));
    say(u"  2. Start it:   systemctl enable --now authshield-server"_s);
    say(u"  3. Check it:   curl -fsS http://%1/ready"_s.arg(m_answers.listen));
    say(u"  4. Connect the console (authshield-console) to %1 and sign in as the administrator"_s.arg(
        m_answers.publicUrl));
    say(u"  Back up %1 and the database (see docs/operations.md)."_s.arg(m_secretsDir));
}

} // namespace

int SetupWizard::run(const QStringList& arguments)
{
    // Everything setup creates (SQLite files, directories) is private unless given a mode explicitly.
    ::umask(077);
    Wizard wizard(true);
    return wizard.parseAndRun(arguments);
}

QString SetupWizard::publicUrlProblem(const QString& text)
{
    if (text.isEmpty())
        return u"the public URL is not set: pass --public-url https://auth.example.com (the address clients and "
               u"mail links use)"_s;
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return u"the public URL \"%1\" is not a valid absolute URL: use e.g. https://auth.example.com"_s.arg(text);
    if (url.scheme() != "https"_L1)
        return u"the public URL \"%1\" is not https: production serves tokens only behind TLS, so terminate TLS in "
               u"a reverse proxy and give its https:// address"_s.arg(text);
    if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty())
        return u"the public URL \"%1\" has a query, fragment or user name: give only scheme, host, port and path"_s
            .arg(text);
    if (text.endsWith(u'/'))
        return u"the public URL \"%1\" ends with /: drop the trailing slash (it becomes the token issuer verbatim)"_s
            .arg(text);
    return {};
}

QString SetupWizard::explainDatabaseError(const QString& driverError, const DatabaseUrl& url)
{
    const QString where = u"PostgreSQL at %1:%2"_s.arg(url.host).arg(url.port);
    const QString text = driverError.simplified();
    if (text.contains(u"password authentication failed"_s) || text.contains(u"no password supplied"_s))
        return u"%1 refused the password for user %2: check the password in --database-url (or the existing "
               u"[database] password_file), and that pg_hba.conf allows this host to log in with it"_s.arg(where,
                                                                                                     url.user);
    if (text.contains(u"role \"%1\" does not exist"_s.arg(url.user)))
        return u"%1 has no user %2: create it with sudo -u postgres createuser --pwprompt %2"_s.arg(where, url.user);
    if (text.contains(u"Connection refused"_s))
        return u"nothing accepts connections at %1:%2: check the host and port in --database-url and that "
               u"PostgreSQL is running and listening there (listen_addresses, port in postgresql.conf)"_s.arg(
                   url.host)
            .arg(url.port);
    if (text.contains(u"could not translate host name"_s) || text.contains(u"Name or service not known"_s))
        return u"the database host %1 does not resolve: check the host in --database-url"_s.arg(url.host);
    if (text.contains(u"timeout expired"_s) || text.contains(u"timed out"_s))
        return u"%1 did not answer within %2 s: check the host, port and firewall"_s.arg(where).arg(
            kCheckTimeout.count());
    if (text.contains(u"no pg_hba.conf entry"_s))
        return u"%1 does not let user %2 in from this host: add a host line for database %3 to pg_hba.conf and "
               u"reload PostgreSQL"_s.arg(where, url.user, url.database);
    if (text.contains(u"SSL"_s))
        return u"%1 refused the TLS settings (%2): adjust sslmode in --database-url"_s.arg(where, text);
    return u"cannot connect to %1 as %2 (%3): check --database-url"_s.arg(where, url.user, text);
}

QString SetupWizard::explainRedisError(const QString& clientError, const RedisUrl& url)
{
    const QString where = u"Redis at %1:%2"_s.arg(url.host).arg(url.port);
    const QString text = clientError.simplified();
    if (text.contains(u"WRONGPASS"_s) || text.contains(u"invalid password"_s) || text.contains(u"invalid username"_s))
        return u"%1 refused the password: check the password in --redis-url (redis://:password@host:port/0) or "
               u"requirepass in redis.conf"_s.arg(where);
    if (text.contains(u"NOAUTH"_s))
        return u"%1 needs a password: give it in --redis-url as redis://:password@%2:%3/%4"_s.arg(where, url.host)
            .arg(url.port)
            .arg(url.db);
    if (text.contains(u"refused"_s, Qt::CaseInsensitive))
        return u"nothing accepts connections at %1:%2: check the host and port in --redis-url and that redis-server "
               u"is running (systemctl status redis-server)"_s.arg(url.host)
            .arg(url.port);
    if (text.contains(u"timed out"_s, Qt::CaseInsensitive) || text.contains(u"timeout"_s, Qt::CaseInsensitive))
        return u"%1 did not answer within %2 s: check the host, port and firewall"_s.arg(where).arg(
            kCheckTimeout.count());
    return u"%1 did not answer PING (%2): check --redis-url"_s.arg(where, text);
}

QString SetupWizard::redisPersistenceWarning(const QByteArray& appendOnly, const QByteArray& save, const QString& where)
{
    if (appendOnly.trimmed() == "yes" || !save.trimmed().isEmpty())
        return {};
    return u"Redis at %1 has persistence off (appendonly no, no save points): lockouts, rate-limit windows and the "
           u"token blocklist are lost when it restarts; set appendonly yes in redis.conf"_s.arg(where);
}

namespace {
struct SectionSpan
{
    qsizetype header = -1; // index of the [section] line
    qsizetype end = 0; // one past its last line
};

SectionSpan findSection(const QStringList& lines, const QString& section)
{
    SectionSpan span;
    const QString header = u'[' + section + u']';
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString trimmed = lines.at(i).trimmed();
        if (span.header < 0 && trimmed == header) {
            span.header = i;
            span.end = lines.size();
        } else if (span.header >= 0 && trimmed.startsWith(u'[')) {
            span.end = i;
            break;
        }
    }
    return span;
}

QRegularExpression keyLine(const QString& key, bool commented)
{
    return QRegularExpression((commented ? u"^\\s*[#;]\\s*"_s : u"^\\s*"_s) + QRegularExpression::escape(key)
                              + u"\\s*="_s);
}
} // namespace

QString SetupWizard::setIniValue(const QString& text, const QString& section, const QString& key, const QString& value)
{
    QStringList lines = text.split(u'\n');
    const QString line = key + u" = "_s + value;
    const SectionSpan span = findSection(lines, section);
    if (span.header < 0) {
        while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
            lines.removeLast();
        lines << QString() << u'[' + section + u']' << QString() << line << QString();
        return lines.join(u'\n');
    }
    for (const bool commented : {false, true}) {
        const QRegularExpression pattern = keyLine(key, commented);
        for (qsizetype i = span.header + 1; i < span.end; ++i) {
            if (pattern.match(lines.at(i)).hasMatch()) {
                lines[i] = line;
                return lines.join(u'\n');
            }
        }
    }
    qsizetype insertAt = span.end;
    while (insertAt > span.header + 1 && lines.at(insertAt - 1).trimmed().isEmpty())
        --insertAt;
    lines.insert(insertAt, line);
    return lines.join(u'\n');
}

QString SetupWizard::removeIniValue(const QString& text, const QString& section, const QString& key)
{
    QStringList lines = text.split(u'\n');
    const SectionSpan span = findSection(lines, section);
    if (span.header < 0)
        return text;
    const QRegularExpression pattern = keyLine(key, false);
    for (qsizetype i = span.end - 1; i > span.header; --i) {
        if (pattern.match(lines.at(i)).hasMatch())
            lines.removeAt(i);
    }
    return lines.join(u'\n');
}

} // namespace authshield::server
