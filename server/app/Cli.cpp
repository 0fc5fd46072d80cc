#include "server/app/Cli.h"

#include "server/app/AdminCommands.h"
#include "server/app/ServeCommand.h"
#include "server/app/SetupWizard.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/ConfigLoader.h"
#include "server/core/DataDir.h"
#include "server/core/Log.h"
#include "server/core/ProfileValidator.h"
#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "shared/Version.h"

#include <QProcessEnvironment>

#include <cstdio>
#include <memory>
#include <optional>

namespace authshield::server {

namespace {
const char kUsage[] = R"(usage: authshield-server <command> [options]

Commands:
  serve                  run the server (embedded default with no configuration at all)
  migrate [--dry-run]    apply pending database migrations (--dry-run lists them only)
  check-config           print the effective configuration (secrets masked) and its problems
  create-admin --email E create (or promote) an administrator; the password is read from the terminal
                         without echo, or from the first line of stdin when it is not a terminal
  keys rotate            make a new token signing key current and print its kid (old tokens stay valid)
  audit verify           check the audit log's hash chain; prints the first broken seq (exit 1) or ok
  setup                  guided installation: checks database, Redis and SMTP, writes the config and
                         secrets, creates the first administrator (setup --help for its options)
  --version              print the version
  --help                 print this help

Options:
  --config FILE          configuration file (default /etc/authshield/authshield.conf if it exists)
  --data-dir DIR         data directory (SQLite database, keys, mail in dev)

Every key can be overridden by AUTHSHIELD_<SECTION>_<KEY>; see the README.
)";

void printErr(const QString& text)
{
    std::fprintf(stderr, "%s\n", qPrintable(text));
}

struct Invocation
{
    QString command;
    QString subcommand; // keys rotate, audit verify
    QString email; // create-admin
    ConfigSources sources;
    bool dryRun = false;
};

std::optional<Invocation> parse(const QStringList& arguments, int* exitCode)
{
    Invocation invocation;
    invocation.sources.env = QProcessEnvironment::systemEnvironment();
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString& argument = arguments.at(i);
        auto takeValue = [&](const QString& option, QString* target) {
            if (i + 1 >= arguments.size() || arguments.at(i + 1).startsWith(QLatin1String("--"))) {
                printErr(QStringLiteral("authshield-server: %1 needs a value").arg(option));
                return false;
            }
            *target = arguments.at(++i);
            return true;
        };
        if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            std::printf("%s", kUsage);
            *exitCode = 0;
            return std::nullopt;
        }
        if (argument == QLatin1String("--version")) {
            std::printf("authshield-server %s\n", qPrintable(versionString()));
            *exitCode = 0;
            return std::nullopt;
        }
        if (argument == QLatin1String("--config")) {
            if (!takeValue(argument, &invocation.sources.configPath)) {
                *exitCode = 2;
                return std::nullopt;
            }
        } else if (argument.startsWith(QLatin1String("--config="))) {
            invocation.sources.configPath = argument.mid(9);
        } else if (argument == QLatin1String("--data-dir")) {
            if (!takeValue(argument, &invocation.sources.dataDirOverride)) {
                *exitCode = 2;
                return std::nullopt;
            }
        } else if (argument.startsWith(QLatin1String("--data-dir="))) {
            invocation.sources.dataDirOverride = argument.mid(11);
        } else if (argument == QLatin1String("--dry-run")) {
            invocation.dryRun = true;
        } else if (argument == QLatin1String("--email")) {
            if (!takeValue(argument, &invocation.email)) {
                *exitCode = 2;
                return std::nullopt;
            }
        } else if (argument.startsWith(QLatin1String("--email="))) {
            invocation.email = argument.mid(8);
        } else if (!argument.startsWith(QLatin1Char('-')) && invocation.command.isEmpty()) {
            invocation.command = argument;
        } else if (!argument.startsWith(QLatin1Char('-'))
                   && (invocation.command == QLatin1String("keys") || invocation.command == QLatin1String("audit"))
                   && invocation.subcommand.isEmpty()) {
            invocation.subcommand = argument;
        } else {
            printErr(QStringLiteral("authshield-server: unknown option or extra argument \"%1\" (see --help)")
                         .arg(argument));
            *exitCode = 2;
            return std::nullopt;
        }
    }
    static const QStringList commands = {QStringLiteral("serve"), QStringLiteral("migrate"),
                                         QStringLiteral("check-config"), QStringLiteral("create-admin"),
                                         QStringLiteral("keys"), QStringLiteral("audit")};
    if (invocation.command.isEmpty()) {
        printErr(QStringLiteral("authshield-server: no command given\n") + QString::fromLatin1(kUsage));
        *exitCode = 2;
        return std::nullopt;
    }
    if (!commands.contains(invocation.command)) {
        printErr(QStringLiteral("authshield-server: unknown command \"%1\" (see --help)").arg(invocation.command));
        *exitCode = 2;
        return std::nullopt;
    }
    if (invocation.command == QLatin1String("audit") && invocation.subcommand != QLatin1String("verify")) {
        printErr(QStringLiteral("authshield-server: audit needs a subcommand: audit verify"));
        *exitCode = 2;
        return std::nullopt;
    }
    if (invocation.command == QLatin1String("keys") && invocation.subcommand != QLatin1String("rotate")) {
        printErr(QStringLiteral("authshield-server: usage: keys rotate"));
        *exitCode = 2;
        return std::nullopt;
    }
    if (invocation.command == QLatin1String("create-admin") && invocation.email.isEmpty()) {
        printErr(QStringLiteral("authshield-server: create-admin needs --email (the password is read from stdin)"));
        *exitCode = 2;
        return std::nullopt;
    }
    if (!invocation.email.isEmpty() && invocation.command != QLatin1String("create-admin")) {
        printErr(QStringLiteral("authshield-server: --email belongs to create-admin"));
        *exitCode = 2;
        return std::nullopt;
    }
    if (invocation.dryRun && invocation.command != QLatin1String("migrate")) {
        printErr(QStringLiteral("authshield-server: --dry-run belongs to migrate"));
        *exitCode = 2;
        return std::nullopt;
    }
    return invocation;
}

std::optional<LoadedConfig> loadConfig(const ConfigSources& sources)
{
    Result<LoadedConfig> loaded = ConfigLoader::load(sources);
    if (!loaded) {
        printErr(QStringLiteral("authshield-server: the configuration has problems:\n") + loaded.error().message);
        return std::nullopt;
    }
    LogLevel level = LogLevel::Info;
    if (Log::parseLevel(loaded->config.log.level, &level))
        Log::setLevel(level);
    for (const QString& warning : std::as_const(loaded->warnings))
        Log::warning(QStringLiteral("config"), warning);
    return std::move(loaded).value();
}

// Loads the configuration and opens its database, for the commands that work on the database directly.
// Null (after saying why) when either fails.
std::unique_ptr<Database> openDatabase(const Invocation& invocation)
{
    std::optional<LoadedConfig> loaded = loadConfig(invocation.sources);
    if (!loaded)
        return nullptr;
    if (Result<void> prepared = prepareDataDir(loaded->config); !prepared) {
        printErr(prepared.error().message);
        return nullptr;
    }
    auto database = std::make_unique<Database>(loaded->config.database, loaded->config.dataDir);
    if (Result<void> opened = database->open(); !opened) {
        printErr(QStringLiteral("authshield-server: cannot open the database %1: %2")
                     .arg(database->describe(), opened.error().message));
        return nullptr;
    }
    return database;
}

int runMigrate(const Invocation& invocation)
{
    std::unique_ptr<Database> database = openDatabase(invocation);
    if (!database)
        return 1;
    MigrationRunner runner(*database);
    if (Result<void> verified = runner.verify(); !verified) {
        printErr(QStringLiteral("authshield-server: ") + verified.error().message);
        return 1;
    }
    Result<QList<Migration>> migrations = invocation.dryRun ? runner.pending() : runner.apply();
    if (!migrations) {
        printErr(QStringLiteral("authshield-server: ") + migrations.error().message);
        return 1;
    }
    const char* verb = invocation.dryRun ? "would apply" : "applied";
    for (const Migration& migration : *migrations)
        std::printf("%s %s\n", verb, qPrintable(migration.id()));
    if (migrations->isEmpty())
        std::printf("%s\n", invocation.dryRun ? "nothing to apply: the database is up to date"
                                              : "the database is up to date");
    return 0;
}

int runAuditVerify(const Invocation& invocation)
{
    std::unique_ptr<Database> database = openDatabase(invocation);
    if (!database)
        return 1;
    SystemClock clock;
    AuditLog auditLog(*database, clock);
    Result<AuditVerification> verified = auditLog.verify();
    if (!verified) {
        printErr(QStringLiteral("authshield-server: cannot read the audit log: ") + verified.error().message);
        return 1;
    }
    if (!verified->ok) {
        std::printf("broken: the audit chain is broken at seq %lld\n",
                    static_cast<long long>(verified->firstBrokenSeq.value_or(0)));
        return 1;
    }
    std::printf("ok: %lld events checked\n", static_cast<long long>(verified->checked));
    return 0;
}

int runCheckConfig(const Invocation& invocation)
{
    std::optional<LoadedConfig> loaded = loadConfig(invocation.sources);
    if (!loaded)
        return 1;
    std::printf("%s", qPrintable(renderEffectiveConfig(*loaded)));
    if (loaded->config.profile != Profile::Prod)
        return 0;
    const QStringList problems = ProfileValidator::prodProblems(*loaded);
    for (const QString& warning : ProfileValidator::prodWarnings(*loaded))
        printErr(QStringLiteral("warning: ") + warning);
    for (const QString& problem : problems)
        printErr(QStringLiteral("problem: ") + problem);
    return problems.isEmpty() ? 0 : 1;
}

// `setup` has options of its own: the position of the command word, skipping the global options' values.
qsizetype setupCommandIndex(const QStringList& arguments)
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString& argument = arguments.at(i);
        if (argument == QLatin1String("--config") || argument == QLatin1String("--data-dir"))
            ++i;
        else if (!argument.startsWith(QLatin1Char('-')))
            return argument == QLatin1String("setup") ? i : -1;
    }
    return -1;
}
} // namespace

int Cli::run(const QStringList& arguments)
{
    if (const qsizetype setup = setupCommandIndex(arguments); setup > 0) {
        QStringList options = arguments.mid(1);
        options.removeAt(setup - 1);
        return SetupWizard::run(options);
    }
    int exitCode = 0;
    std::optional<Invocation> invocation = parse(arguments, &exitCode);
    if (!invocation)
        return exitCode;
    Log::installQtMessageHandler();
    if (invocation->command == QLatin1String("migrate"))
        return runMigrate(*invocation);
    if (invocation->command == QLatin1String("check-config"))
        return runCheckConfig(*invocation);
    if (invocation->command == QLatin1String("audit"))
        return runAuditVerify(*invocation);
    std::optional<LoadedConfig> loaded = loadConfig(invocation->sources);
    if (!loaded)
        return 1;
    if (invocation->command == QLatin1String("create-admin"))
        return AdminCommands::createAdmin(loaded->config, invocation->email);
    if (invocation->command == QLatin1String("keys"))
        return AdminCommands::rotateKeys(loaded->config);
    return ServeCommand::run(std::move(*loaded));
}

} // namespace authshield::server
