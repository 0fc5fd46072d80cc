// Bench helpers that need the server's own code (configuration from the same AUTHSHIELD_* environment as
// the server under test):
//   seed --count N --out FILE     N verified users with real Argon2id hashes (the configured parameters),
//                                 inserted in one transaction; FILE gets "email<TAB>password" lines
//   argon2 --seconds S --max N    the Argon2id ceiling: the server's hasher verifying in a loop on every core
//                                 (bounded by S seconds and N verifies in total); prints "verifies_per_second X"
#include "server/accounts/User.h"
#include "server/accounts/UserRepository.h"
#include "server/core/Clock.h"
#include "server/core/ConfigLoader.h"
#include "server/core/DataDir.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/Transaction.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcessEnvironment>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace authshield;
using namespace authshield::server;

namespace {

int fail(const QString& message)
{
    std::fprintf(stderr, "authshield-bench-tool: %s\n", qPrintable(message));
    return 1;
}

QString benchEmail(int index)
{
    return QStringLiteral("bench%1@bench.test").arg(index);
}

QString benchPassword(int index)
{
    return QStringLiteral("Bench-password-%1-kq7").arg(index);
}

int threadCount()
{
    return qMax(1, QThread::idealThreadCount());
}

int seed(ServerConfig config, int count, const QString& outPath)
{
    if (Result<void> crypto = CryptoRuntime::initialise(); !crypto)
        return fail(crypto.error().message);
    if (Result<void> prepared = prepareDataDir(config); !prepared)
        return fail(prepared.error().message);
    Database database(config.database, config.dataDir);
    if (Result<void> opened = database.open(); !opened)
        return fail(opened.error().message);
    if (Result<QList<Migration>> applied = MigrationRunner(database).apply(); !applied)
        return fail(applied.error().message);

    // Hashing dominates (≈ 16 ms each): spread it over the cores, then insert in one transaction.
    const Argon2idHasher hasher(config.password);
    std::vector<QString> hashes(static_cast<size_t>(count));
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threadCount(); ++t)
        workers.emplace_back([&] {
            for (int i = next++; i < count && !failed.load(); i = next++) {
                Result<QString> hash = hasher.hash(benchPassword(i).toUtf8());
                if (!hash)
                    failed = true;
                else
                    hashes[static_cast<size_t>(i)] = *hash;
            }
        });
    for (std::thread& worker : workers)
        worker.join();
    if (failed.load())
        return fail(QStringLiteral("hashing failed (out of memory?)"));

    SystemClock clock;
    const UserRepository users(database, clock);
    {
        Result<Transaction> tx = Transaction::begin(database);
        if (!tx)
            return fail(tx.error().message);
        for (int i = 0; i < count; ++i) {
            NewUser user{benchEmail(i), hashes[static_cast<size_t>(i)], QStringLiteral("Bench %1").arg(i), true};
            if (Result<User> created = users.create(user); !created)
                return fail(QStringLiteral("user %1: %2").arg(i).arg(created.error().message));
        }
        if (Result<void> committed = tx->commit(); !committed)
            return fail(committed.error().message);
    }
    database.releaseThreadConnection();

    QFile out(outPath);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return fail(QStringLiteral("cannot write %1").arg(outPath));
    for (int i = 0; i < count; ++i)
        out.write((benchEmail(i) + QLatin1Char('\t') + benchPassword(i) + QLatin1Char('\n')).toUtf8());
    std::printf("seeded %d users\n", count);
    return 0;
}

int argon2Ceiling(const ServerConfig& config, double seconds, int maxVerifies)
{
    if (Result<void> crypto = CryptoRuntime::initialise(); !crypto)
        return fail(crypto.error().message);
    const Argon2idHasher hasher(config.password);
    const QByteArray password = QByteArrayLiteral("Bench-password-ceiling");
    Result<QString> stored = hasher.hash(password);
    if (!stored)
        return fail(stored.error().message);
    std::atomic<int> done{0};
    std::atomic<bool> mismatch{false};
    QElapsedTimer timer;
    timer.start();
    const auto limitMs = static_cast<qint64>(seconds * 1000.0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threadCount(); ++t)
        workers.emplace_back([&] {
            while (timer.elapsed() < limitMs && done.load() < maxVerifies) {
                if (!hasher.verify(*stored, password).matches)
                    mismatch = true;
                ++done;
            }
        });
    for (std::thread& worker : workers)
        worker.join();
    const double elapsed = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    if (mismatch.load())
        return fail(QStringLiteral("a verification failed"));
    std::printf("threads %d verifies %d seconds %.3f m_kib %lld t %d\nverifies_per_second %.1f\n", threadCount(),
                done.load(), elapsed, static_cast<long long>(config.password.argon2MemoryKiB),
                config.password.argon2Iterations, done.load() / elapsed);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&args](const char* name, const QString& fallback) {
        const qsizetype at = args.indexOf(QLatin1String(name));
        return at >= 0 && at + 1 < args.size() ? args.at(at + 1) : fallback;
    };
    ConfigSources sources;
    sources.env = QProcessEnvironment::systemEnvironment();
    sources.dataDirOverride = option("--data-dir", QString());
    Result<LoadedConfig> loaded = ConfigLoader::load(sources);
    if (!loaded)
        return fail(loaded.error().message);
    const QString command = args.value(1);
    if (command == QLatin1String("seed"))
        return seed(loaded->config, qBound(1, option("--count", QStringLiteral("1000")).toInt(), 100000),
                    option("--out", QStringLiteral("users.tsv")));
    if (command == QLatin1String("argon2"))
        return argon2Ceiling(loaded->config, qBound(0.5, option("--seconds", QStringLiteral("5")).toDouble(), 120.0),
                             qBound(1, option("--max", QStringLiteral("5000")).toInt(), 1000000));
    std::fprintf(stderr, "usage: authshield-bench-tool seed [--data-dir D] [--count N] [--out FILE]\n"
                         "       authshield-bench-tool argon2 [--seconds S] [--max N]\n");
    return 2;
}
