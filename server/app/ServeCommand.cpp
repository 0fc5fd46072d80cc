#include "server/app/ServeCommand.h"

#include "server/app/ServerContext.h"
#include "server/app/SystemdNotifier.h"
#include "server/core/DataDir.h"
#include "server/core/Log.h"
#include "server/core/ProfileValidator.h"
#include "server/crypto/CryptoRuntime.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace authshield::server {

namespace {
int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    (void)!::write(g_signalPipe[1], &byte, 1);
}

// Signals only write a byte; the event loop reads it and quits, so shutdown runs as ordinary code.
bool installSignalHandlers(QObject* parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return false;
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, parent);
    QObject::connect(notifier, &QSocketNotifier::activated, parent, [notifier] {
        notifier->setEnabled(false);
        char byte = 0;
        (void)!::read(g_signalPipe[0], &byte, 1);
        Log::info(QStringLiteral("server"), QStringLiteral("shutting down"));
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}

void fail(const QString& message)
{
    Log::error(QStringLiteral("server"), message);
    std::fprintf(stderr, "authshield-server: %s\n", qPrintable(message));
}
} // namespace

int ServeCommand::run(LoadedConfig loaded)
{
    if (loaded.config.profile == Profile::Prod) {
        for (const QString& warning : ProfileValidator::prodWarnings(loaded))
            Log::warning(QStringLiteral("config"), warning);
        const QStringList problems = ProfileValidator::prodProblems(loaded);
        if (!problems.isEmpty()) {
            fail(QStringLiteral("refusing to start in the prod profile:\n  - ") + problems.join(QStringLiteral("\n  - ")));
            return 1;
        }
    }
    if (Result<void> crypto = CryptoRuntime::initialise(); !crypto) {
        fail(QStringLiteral("cryptographic self-test failed: ") + crypto.error().message);
        return 1;
    }
    if (Result<void> prepared = prepareDataDir(loaded.config); !prepared) {
        fail(prepared.error().message);
        return 1;
    }
    if (Result<void> secrets = ensureDevSecrets(loaded.config); !secrets) {
        fail(secrets.error().message);
        return 1;
    }

    ServerContext context(std::move(loaded));
    if (!installSignalHandlers(&context)) {
        fail(QStringLiteral("cannot install signal handlers"));
        return 1;
    }
    if (Result<void> started = context.start(); !started) {
        fail(started.error().message);
        return 1;
    }
    // Under systemd (Type=notify): READY=1 once what /ready checks is up (storage is open and migrated, the
    // listeners are bound); until then STATUS names what is missing, re-checked every second.
    SystemdNotifier systemd;
    QTimer readinessTimer;
    readinessTimer.setSingleShot(true);
    QObject::connect(&readinessTimer, &QTimer::timeout, &context, [&systemd, &context, &readinessTimer] {
        const Readiness::Report report = context.readiness().check();
        QStringList down;
        for (const auto& [name, status] : report.dependencies) {
            if (!status.up)
                down.append(name);
        }
        const bool sent = report.ready
            ? systemd.ready(QStringLiteral("serving"))
            : systemd.notify("STATUS=waiting for " + down.join(QStringLiteral(", ")).toUtf8());
        if (!sent)
            Log::warning(QStringLiteral("server"), systemd.errorString());
        if (!report.ready)
            readinessTimer.start(1000);
    });
    if (systemd.isEnabled())
        readinessTimer.start(0);
    const int code = QCoreApplication::exec();
    readinessTimer.stop();
    (void)systemd.stopping();
    context.stop();
    Log::info(QStringLiteral("server"), QStringLiteral("stopped"));
    return code;
}

} // namespace authshield::server
