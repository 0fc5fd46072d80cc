#include "server/storage/SqlDialect.h"

#include <QSqlError>
#include <QUuid>

namespace authshield::server {

namespace {

// Arbitrary constant key for pg_advisory_lock: "AuthShld" migrations.
constexpr qint64 kMigrationLockKey = 0x4175746853686c64;

} // namespace

SqlDialect::SqlDialect(SqlBackend backend)
    : m_backend(backend)
{
}

QString SqlDialect::name() const
{
    return isPostgres() ? QStringLiteral("postgresql") : QStringLiteral("sqlite");
}

QString SqlDialect::driverName() const
{
    return isPostgres() ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE");
}

QString SqlDialect::beginWriteTransaction() const
{
    return isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE");
}

QString SqlDialect::forUpdate() const
{
    return isPostgres() ? QStringLiteral(" FOR UPDATE") : QString();
}

QString SqlDialect::forUpdateSkipLocked() const
{
    return isPostgres() ? QStringLiteral(" FOR UPDATE SKIP LOCKED") : QString();
}

QString SqlDialect::caseInsensitiveLike() const
{
    return isPostgres() ? QStringLiteral("ILIKE") : QStringLiteral("LIKE");
}

QString SqlDialect::escapeLike(const QString& text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        if (c == QLatin1Char('\\') || c == QLatin1Char('%') || c == QLatin1Char('_'))
            out += QLatin1Char('\\');
        out += c;
    }
    return out;
}

QVariant SqlDialect::boolValue(bool value) const
{
    return isPostgres() ? QVariant(value) : QVariant(value ? 1 : 0);
}

bool SqlDialect::toBool(const QVariant& value) const
{
    if (value.isNull())
        return false;
    if (value.typeId() == QMetaType::Bool)
        return value.toBool();
    if (value.typeId() == QMetaType::QString) {
        const QString s = value.toString().toLower();
        return s == QStringLiteral("t") || s == QStringLiteral("true") || s == QStringLiteral("1");
    }
    return value.toLongLong() != 0;
}

QVariant SqlDialect::blobValue(const QByteArray& value) const
{
    // A null QByteArray would bind as NULL; an empty blob must stay an empty blob.
    return QVariant(value.isNull() ? QByteArray("") : value);
}

QByteArray SqlDialect::toBlob(const QVariant& value) const
{
    return value.toByteArray();
}

QString SqlDialect::toUuidString(const QVariant& value) const
{
    if (value.isNull())
        return {};
    if (value.typeId() == QMetaType::QUuid)
        return value.toUuid().toString(QUuid::WithoutBraces);
    return value.toString();
}

QString SqlDialect::connectOptions(const DatabaseUrl& url, std::chrono::milliseconds connectTimeout,
                                   std::chrono::milliseconds busyTimeout) const
{
    if (!isPostgres())
        return QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeout.count());
    // libpq counts whole seconds; round up so a sub-second setting does not become "wait forever" (0).
    const qint64 fromConfig = std::max<qint64>(1, (connectTimeout.count() + 999) / 1000);
    QStringList options;
    options << QStringLiteral("connect_timeout=%1").arg(url.connectTimeoutSeconds.value_or(int(fromConfig)));
    options << QStringLiteral("application_name=authshield");
    if (!url.sslMode.isEmpty())
        options << QStringLiteral("sslmode=%1").arg(url.sslMode);
    // Detect a silently vanished server (cable pulled, VM paused) on idle pooled connections.
    options << QStringLiteral("keepalives=1") << QStringLiteral("keepalives_idle=30")
            << QStringLiteral("keepalives_interval=10") << QStringLiteral("keepalives_count=3");
    return options.join(QLatin1Char(';'));
}

QStringList SqlDialect::sessionSetupStatements(std::chrono::milliseconds busyTimeout) const
{
    if (isPostgres())
        return { QStringLiteral("SET TIME ZONE 'UTC'"),
                 // NOTICEs ("already exists, skipping") would otherwise land in the log as Qt warnings.
                 QStringLiteral("SET client_min_messages = warning") };
    return {
        QStringLiteral("PRAGMA journal_mode=WAL"),
        QStringLiteral("PRAGMA foreign_keys=ON"),
        QStringLiteral("PRAGMA busy_timeout=%1").arg(busyTimeout.count()),
        QStringLiteral("PRAGMA synchronous=NORMAL"),
    };
}

QString SqlDialect::migrationsFolder() const
{
    return isPostgres() ? QStringLiteral("postgres") : QStringLiteral("sqlite");
}

QString SqlDialect::lockAuditChain() const
{
    return isPostgres() ? QStringLiteral("SELECT pg_advisory_xact_lock(7243002)") : QString();
}

QStringList SqlDialect::beginAuditPrune() const
{
    if (isPostgres())
        return {QStringLiteral("SET LOCAL authshield.audit_prune = 'on'")};
    return {QStringLiteral("INSERT INTO audit_prune_gate (active) VALUES (1)")};
}

QStringList SqlDialect::endAuditPrune() const
{
    if (isPostgres())
        return {QStringLiteral("SET LOCAL authshield.audit_prune = 'off'")};
    return {QStringLiteral("DELETE FROM audit_prune_gate")};
}

QStringList SqlDialect::acquireMigrationLock() const
{
    if (!isPostgres())
        return {};
    return { QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kMigrationLockKey) };
}

QStringList SqlDialect::releaseMigrationLock() const
{
    if (!isPostgres())
        return {};
    return { QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kMigrationLockKey) };
}

QString SqlDialect::tableExistsQuery() const
{
    if (isPostgres())
        return QStringLiteral("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = current_schema() AND table_name = :name");
    return QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name = :name");
}

QString SqlDialect::listTablesQuery() const
{
    if (isPostgres())
        return QStringLiteral("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1");
    return QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                          "ORDER BY 1");
}

bool SqlDialect::isUnavailable(const QSqlError& error) const
{
    const QString code = error.nativeErrorCode();
    if (!isPostgres()) {
        // SQLITE_BUSY / SQLITE_LOCKED (the low byte of extended codes) once busy_timeout ran out. QSQLITE
        // labels every failed step a ConnectionError, so the error type says nothing here.
        bool numeric = false;
        const int primary = code.toInt(&numeric) & 0xff;
        return numeric && (primary == 5 || primary == 6);
    }
    if (error.type() == QSqlError::ConnectionError)
        return true;
    // SQLSTATE class 08 (connection exception), 57P01..03 (server shutting down / crashed / starting up).
    if (code.startsWith(QStringLiteral("08")) || code == QStringLiteral("57P01") || code == QStringLiteral("57P02")
        || code == QStringLiteral("57P03"))
        return true;
    // libpq reports a dropped socket without any SQLSTATE.
    if (code.isEmpty()) {
        const QString all = (error.databaseText() + QLatin1Char(' ') + error.driverText()).toLower();
        return all.contains(QStringLiteral("server closed the connection"))
            || all.contains(QStringLiteral("no connection to the server"))
            || all.contains(QStringLiteral("connection to server")) || all.contains(QStringLiteral("could not send"))
            || all.contains(QStringLiteral("could not receive")) || all.contains(QStringLiteral("connection is bad"))
            || all.contains(QStringLiteral("terminating connection"));
    }
    return false;
}

bool SqlDialect::isUniqueViolation(const QSqlError& error) const
{
    if (isPostgres())
        return error.nativeErrorCode() == QStringLiteral("23505");
    return error.databaseText().contains(QStringLiteral("UNIQUE constraint failed"));
}

bool SqlDialect::isForeignKeyViolation(const QSqlError& error) const
{
    if (isPostgres())
        return error.nativeErrorCode() == QStringLiteral("23503");
    return error.databaseText().contains(QStringLiteral("FOREIGN KEY constraint failed"));
}

} // namespace authshield::server
