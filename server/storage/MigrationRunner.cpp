#include "server/storage/MigrationRunner.h"

#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/SqlScript.h"
#include "server/storage/Transaction.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace authshield::server {

namespace {

const QString kTable = QStringLiteral("schema_migrations");

Error migrationError(const QString& message)
{
    return Error::make(ErrorCode::Internal, message);
}

} // namespace

QString Migration::id() const
{
    return QStringLiteral("%1_%2").arg(version, 4, 10, QLatin1Char('0')).arg(name);
}

MigrationRunner::MigrationRunner(const Database& db, QString root)
    : m_db(db)
    , m_root(std::move(root))
{
}

Result<QList<Migration>> MigrationRunner::available() const
{
    const QString folder = m_root + QLatin1Char('/') + m_db.dialect().migrationsFolder();
    const QDir dir(folder);
    if (!dir.exists())
        return migrationError(QStringLiteral("migration folder %1 does not exist").arg(folder));
    static const QRegularExpression pattern(QStringLiteral("^(\\d{4})_([a-z0-9_]+)\\.sql$"));
    QList<Migration> migrations;
    QSet<int> versions;
    for (const QString& file : dir.entryList({ QStringLiteral("*.sql") }, QDir::Files, QDir::Name)) {
        const auto match = pattern.match(file);
        if (!match.hasMatch())
            return migrationError(QStringLiteral("migration file %1 is not named NNNN_name.sql").arg(file));
        QFile source(dir.filePath(file));
        if (!source.open(QIODevice::ReadOnly))
            return migrationError(QStringLiteral("cannot read migration %1").arg(source.fileName()));
        const QByteArray bytes = source.readAll();
        Migration migration;
        migration.version = match.captured(1).toInt();
        migration.name = match.captured(2);
        migration.checksum = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
        migration.sql = QString::fromUtf8(bytes);
        if (migration.version <= 0)
            return migrationError(QStringLiteral("migration %1: versions start at 0001").arg(file));
        if (versions.contains(migration.version))
            return migrationError(QStringLiteral("two migration files share version %1").arg(migration.version));
        versions.insert(migration.version);
        migrations << migration;
    }
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    return migrations;
}

Result<QList<MigrationRunner::Applied>> MigrationRunner::applied() const
{
    QList<Applied> rows;
    {
        auto exists = m_db.prepare(m_db.dialect().tableExistsQuery());
        exists.bind(QStringLiteral(":name"), kTable);
        if (auto r = exists.exec(); !r)
            return r.error();
        if (!exists.next())
            return rows;
    }
    auto query = m_db.prepare(QStringLiteral("SELECT version, name, checksum FROM schema_migrations ORDER BY version"));
    if (auto r = query.exec(); !r)
        return r.error();
    while (query.next())
        rows << Applied { int(query.int64(0)), query.string(1), query.string(2) };
    return rows;
}

Result<void> MigrationRunner::check(const QList<Migration>& known, const QList<Applied>& done) const
{
    const int latestKnown = known.isEmpty() ? 0 : known.last().version;
    for (const Applied& row : done) {
        const auto it
            = std::find_if(known.cbegin(), known.cend(), [&](const Migration& m) { return m.version == row.version; });
        if (it == known.cend()) {
            if (row.version > latestKnown)
                return migrationError(QStringLiteral("database schema version %1 is newer than this binary (knows up "
                                                     "to %2); upgrade authshield-server")
                                          .arg(row.version)
                                          .arg(latestKnown));
            return migrationError(QStringLiteral("database has migration %1_%2 applied, which this binary does not "
                                                 "ship; it was built from a different release")
                                      .arg(row.version, 4, 10, QLatin1Char('0'))
                                      .arg(row.name));
        }
        if (it->checksum != row.checksum)
            return migrationError(QStringLiteral("migration %1 was changed after it was applied: recorded checksum "
                                                 "%2, binary has %3")
                                      .arg(it->id(), row.checksum, it->checksum));
    }
    return success();
}

Result<void> MigrationRunner::verify() const
{
    auto known = available();
    if (!known)
        return known.error();
    auto done = applied();
    if (!done)
        return done.error();
    return check(*known, *done);
}

Result<int> MigrationRunner::currentVersion() const
{
    auto done = applied();
    if (!done)
        return done.error();
    return done->isEmpty() ? 0 : done->last().version;
}

Result<QList<Migration>> MigrationRunner::pending() const
{
    auto known = available();
    if (!known)
        return known.error();
    auto done = applied();
    if (!done)
        return done.error();
    if (auto r = check(*known, *done); !r)
        return r.error();
    QSet<int> appliedVersions;
    for (const Applied& row : std::as_const(*done))
        appliedVersions.insert(row.version);
    QList<Migration> result;
    for (const Migration& migration : std::as_const(*known)) {
        if (!appliedVersions.contains(migration.version))
            result << migration;
    }
    return result;
}

Result<void> MigrationRunner::ensureTable() const
{
    return m_db.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                                    "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
}

Result<bool> MigrationRunner::applyOne(const Migration& migration) const
{
    auto tx = Transaction::begin(m_db);
    if (!tx)
        return tx.error();
    // Another process may have applied it while this one waited for the lock.
    {
        auto done = m_db.prepare(QStringLiteral("SELECT checksum FROM schema_migrations WHERE version = :version"));
        done.bind(QStringLiteral(":version"), migration.version);
        if (auto r = done.exec(); !r)
            return r.error();
        if (done.next()) {
            if (done.string(0) != migration.checksum)
                return migrationError(QStringLiteral("migration %1 was changed after it was applied: recorded "
                                                     "checksum %2, binary has %3")
                                          .arg(migration.id(), done.string(0), migration.checksum));
            return false;
        }
    }
    const QStringList statements = SqlScript::split(migration.sql);
    for (qsizetype i = 0; i < statements.size(); ++i) {
        if (auto r = m_db.exec(statements.at(i)); !r)
            return Error::make(r.error().code,
                               QStringLiteral("migration %1 failed at statement %2: %3")
                                   .arg(migration.id())
                                   .arg(i + 1)
                                   .arg(r.error().message));
    }
    auto record = m_db.prepare(QStringLiteral("INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                                              "VALUES (:version, :name, :checksum, :applied_at)"));
    record.bind(QStringLiteral(":version"), migration.version)
        .bind(QStringLiteral(":name"), migration.name)
        .bind(QStringLiteral(":checksum"), migration.checksum)
        .bind(QStringLiteral(":applied_at"), QDateTime::currentMSecsSinceEpoch());
    if (auto r = record.exec(); !r)
        return r.error();
    if (auto r = tx->commit(); !r)
        return r.error();
    return true;
}

Result<QList<Migration>> MigrationRunner::apply() const
{
    auto known = available();
    if (!known)
        return known.error();

    const SqlDialect& dialect = m_db.dialect();
    for (const QString& statement : dialect.acquireMigrationLock()) {
        if (auto r = m_db.exec(statement); !r)
            return r.error();
    }
    auto run = [&]() -> Result<QList<Migration>> {
        if (auto r = ensureTable(); !r)
            return r.error();
        auto todo = pending();
        if (!todo)
            return todo.error();
        QList<Migration> appliedNow;
        for (const Migration& migration : std::as_const(*todo)) {
            auto r = applyOne(migration);
            if (!r)
                return r.error();
            if (*r)
                appliedNow << migration;
        }
        return appliedNow;
    };
    auto result = run();
    for (const QString& statement : dialect.releaseMigrationLock())
        (void)m_db.exec(statement); // a lost connection releases the session lock by itself
    return result;
}

} // namespace authshield::server
