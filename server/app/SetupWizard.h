#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

struct DatabaseUrl;
struct RedisUrl;

// What `authshield-server setup` configures. Each answer comes from its flag, else its environment variable,
// else the existing config file (so re-running keeps what was chosen), else a built-in default; in interactive
// mode every answer is asked with that value as the default.
struct SetupAnswers
{
    QString configPath; // read for defaults and written (0640)
    QString dataDir;
    QString publicUrl;
    QString listen;
    QString databaseUrl; // sqlite:///path or postgresql://user[:password]@host:port/db
    QString databasePassword; // from the URL or the existing password file; never written into the config
    bool createDatabase = true;
    QString redisUrl; // empty = in-process stores (one instance)
    QString redisPassword;
    QString smtpHost; // empty = no SMTP (mail stays in <data dir>/mail as .eml files)
    int smtpPort = 0; // 0 = 465 for tls, else 587
    QString smtpSecurity = QStringLiteral("starttls"); // tls | starttls | opportunistic | none
    QString smtpUser;
    QString smtpPassword;
    QString smtpCaFile; // PEM; empty = the system's CAs
    QString mailFrom;
    QString adminEmail;
    std::optional<QByteArray> adminPassword; // from --admin-password-file; else create-admin reads stdin/tty
    QString serviceUser = QStringLiteral("authshield");
};

// The installer wizard: checks every dependency before anything is written, says exactly what to fix when one
// fails, generates the secrets (never overwriting existing ones), writes the config, creates the first
// administrator and runs the production checks. Safe to run again.
class SetupWizard
{
public:
    // `authshield-server setup [options]` (arguments without the command word). Exit codes as Cli.
    static int run(const QStringList& arguments);

    // The checks' wording, public for unit tests: empty when acceptable, else what to fix.
    static QString publicUrlProblem(const QString& url);
    static QString explainDatabaseError(const QString& driverError, const DatabaseUrl& url);
    static QString explainRedisError(const QString& clientError, const RedisUrl& url);
    // "appendonly"/"save" values of CONFIG GET → a warning when nothing persists, else empty.
    static QString redisPersistenceWarning(const QByteArray& appendOnly, const QByteArray& save, const QString& where);

    // Sets `key = value` in [section] of an INI text: replaces the active line, else the first commented-out
    // `# key =` line (the packaged default config has one per key), else appends to the section (or a new one).
    static QString setIniValue(const QString& text, const QString& section, const QString& key, const QString& value);
    // Removes an active `key = …` line from [section].
    static QString removeIniValue(const QString& text, const QString& section, const QString& key);
};

} // namespace authshield::server
