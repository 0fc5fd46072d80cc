#include "server/storage/Database.h"

#include "server/storage/SqlQuery.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>
#include <mutex>
#include <vector>

namespace authshield::server {

namespace {

std::atomic<quint64> g_nextDatabaseId { 1 };
std::atomic<quint64> g_nextThreadSerial { 1 };

void abandonStatement(QSqlQuery&& query)
{
    static auto* const mutex = new std::mutex;
    static auto* const abandoned = new std::vector<QSqlQuery*>;
    std::lock_guard lock(*mutex);
    abandoned->push_back(new QSqlQuery(std::move(query)));
}

// The calling thread's connections, one per Database. Destroyed when the thread ends, which is when its
// connections must go: QSqlDatabase::removeDatabase from the owning thread, after every handle is gone.
struct ThreadConnections
{
    struct Entry
    {
        QString name;
        bool lost = false;
        bool inTransaction = false;
        quint64 generation = 0; // bumped whenever the connection is (re)opened or released
        QHash<QString, QSqlQuery> statements;
    };

    quint64 serial = g_nextThreadSerial.fetch_add(1);
    QHash<quint64, Entry> entries;

    ~ThreadConnections()
    {
        for (Entry& entry : entries) {
            // Thread-exit clean-up may run while the process is exiting, when Qt SQL's drivers are being deleted;
            // finalising a QPSQL statement then crashes (seen under load). Threads release their connection
            // explicitly first (releaseThreadConnection), so statements only get here from threads that did not:
            // they are parked where the process can still reach them and never touched again.
            for (QSqlQuery& query : entry.statements)
                abandonStatement(std::move(query));
            entry.statements.clear();
            QSqlDatabase::removeDatabase(entry.name);
        }
    }
};

ThreadConnections& threadConnections()
{
    thread_local ThreadConnections connections;
    return connections;
}

QString firstLine(const QString& text)
{
    const QString trimmed = text.trimmed();
    const qsizetype end = trimmed.indexOf(QLatin1Char('\n'));
    QString line = end < 0 ? trimmed : trimmed.left(end);
    // Server messages such as 'invalid input syntax for type uuid: "…"' quote the offending value, which
    // may be a secret: keep the part before the quote.
    const qsizetype quoted = line.indexOf(QStringLiteral(": \""));
    if (quoted >= 0)
        line = line.left(quoted);
    return line;
}

QString errorText(const QSqlError& error)
{
    QString text = firstLine(error.databaseText());
    if (text.isEmpty())
        text = firstLine(error.driverText());
    if (!error.nativeErrorCode().isEmpty())
        text += QStringLiteral(" [%1]").arg(error.nativeErrorCode());
    return text;
}

QString statementSummary(const QString& sql)
{
    QString compact = sql.simplified();
    if (compact.size() > 80)
        compact = compact.left(77) + QStringLiteral("...");
    return compact;
}

} // namespace

Database::Database(const DatabaseConfig& config, const QString& dataDir)
    : m_id(g_nextDatabaseId.fetch_add(1))
    , m_config(config)
    , m_dataDir(dataDir)
    , m_url(DatabaseUrl::parse(config.url, dataDir))
    , m_dialect(m_url ? m_url->backend : SqlBackend::Sqlite)
{
}

Database::~Database()
{
    releaseThreadConnection();
}

void Database::releaseThreadConnection() const
{
    ThreadConnections& connections = threadConnections();
    const auto it = connections.entries.constFind(m_id);
    if (it == connections.entries.cend())
        return;
    const QString name = it->name;
    connections.entries.erase(it); // statements first: removeDatabase wants no query left on the connection
    QSqlDatabase::removeDatabase(name);
}

QString Database::describe() const
{
    return m_url ? m_url->display() : QStringLiteral("(invalid database URL)");
}

Result<void> Database::open()
{
    if (!m_url)
        return m_url.error();
    if (!QSqlDatabase::isDriverAvailable(m_dialect.driverName()))
        return Error::make(ErrorCode::Internal,
                           QStringLiteral("Qt SQL driver %1 is not installed").arg(m_dialect.driverName()));
    auto db = threadConnection(true);
    if (!db)
        return db.error();
    if (m_dialect.kind() == SqlBackend::Sqlite) {
        // WAL cannot be enabled on some file systems (e.g. network mounts); say so instead of running slowly.
        QSqlQuery query(*db);
        if (!query.exec(QStringLiteral("PRAGMA journal_mode")) || !query.next())
            return toError(query.lastError(), QStringLiteral("PRAGMA journal_mode"));
        if (query.value(0).toString().toLower() != QStringLiteral("wal"))
            return Error::make(ErrorCode::ServiceUnavailable,
                               QStringLiteral("SQLite database %1 cannot use WAL journal mode (got '%2')")
                                   .arg(m_url->path, query.value(0).toString()));
    }
    return success();
}

QSqlDatabase Database::connection() const
{
    auto db = threadConnection(false);
    if (db)
        return *db;
    const auto it = threadConnections().entries.constFind(m_id);
    return it == threadConnections().entries.cend() ? QSqlDatabase() : QSqlDatabase::database(it->name, false);
}

QString Database::connectionName() const
{
    const auto it = threadConnections().entries.constFind(m_id);
    return it == threadConnections().entries.cend() ? QString() : it->name;
}

Result<QSqlDatabase> Database::threadConnection(bool forceReconnect) const
{
    if (!m_url)
        return m_url.error();
    ThreadConnections& connections = threadConnections();
    auto it = connections.entries.find(m_id);
    if (it == connections.entries.end()) {
        ThreadConnections::Entry entry;
        entry.name = QStringLiteral("authshield-db%1-thread%2").arg(m_id).arg(connections.serial);
        QSqlDatabase::addDatabase(m_dialect.driverName(), entry.name);
        it = connections.entries.insert(m_id, entry);
    }
    QSqlDatabase db = QSqlDatabase::database(it->name, false);
    // Reconnecting inside a transaction would silently drop its earlier statements; let it fail instead.
    const bool reconnect = (forceReconnect || it->lost) && !it->inTransaction;
    if (reconnect && db.isOpen()) {
        it->statements.clear(); // close() invalidates them
        db.close();
    }
    if (!db.isOpen()) {
        it->statements.clear();
        ++it->generation;
        it->lost = false;
        if (auto opened = openConnection(db); !opened)
            return opened.error();
    }
    return db;
}

Result<void> Database::openConnection(QSqlDatabase& db) const
{
    const DatabaseUrl& url = *m_url;
    if (m_dialect.kind() == SqlBackend::Sqlite) {
        const QString dir = QFileInfo(url.path).absolutePath();
        if (!QDir().mkpath(dir))
            return Error::make(ErrorCode::ServiceUnavailable,
                               QStringLiteral("cannot create the database directory %1").arg(dir));
        db.setDatabaseName(url.path);
    } else {
        db.setHostName(url.host);
        db.setPort(url.port);
        db.setUserName(url.user);
        db.setPassword(m_config.password.isEmpty() ? url.password : m_config.password);
        db.setDatabaseName(url.database);
    }
    db.setConnectOptions(m_dialect.connectOptions(url, m_config.connectTimeout, m_config.busyTimeout));
    if (!db.open())
        return Error::make(
            ErrorCode::ServiceUnavailable,
            QStringLiteral("cannot connect to database %1: %2").arg(describe(), errorText(db.lastError())));
    for (const QString& statement : m_dialect.sessionSetupStatements(m_config.busyTimeout)) {
        QSqlQuery query(db);
        if (!query.exec(statement)) {
            const QSqlError error = query.lastError();
            query = QSqlQuery();
            db.close();
            return Error::make(
                ErrorCode::ServiceUnavailable,
                QStringLiteral("cannot set up database session (%1): %2").arg(statement, errorText(error)));
        }
    }
    return success();
}

Result<std::chrono::microseconds> Database::ping() const
{
    QElapsedTimer timer;
    timer.start();
    Error lastError = Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("database unavailable"));
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto db = threadConnection(attempt > 0);
        if (!db) {
            lastError = db.error();
            continue;
        }
        QSqlQuery query(*db);
        if (query.exec(QStringLiteral("SELECT 1")) && query.next() && query.value(0).toInt() == 1)
            return std::chrono::microseconds(timer.nsecsElapsed() / 1000);
        lastError = Error::make(
            ErrorCode::ServiceUnavailable,
            QStringLiteral("database %1 did not answer: %2").arg(describe(), errorText(query.lastError())));
    }
    return lastError;
}

SqlQuery Database::prepare(const QString& sql) const
{
    return SqlQuery(*this, sql);
}

std::optional<QSqlQuery> Database::takeStatement(const QString& sql, quint64& generation) const
{
    const auto it = threadConnections().entries.find(m_id);
    if (it == threadConnections().entries.end() || it->lost)
        return std::nullopt;
    generation = it->generation;
    const auto statement = it->statements.find(sql);
    if (statement == it->statements.end())
        return std::nullopt;
    QSqlQuery query = std::move(*statement);
    it->statements.erase(statement);
    return query;
}

quint64 Database::connectionGeneration() const
{
    const auto it = threadConnections().entries.constFind(m_id);
    return it == threadConnections().entries.cend() ? 0 : it->generation;
}

void Database::returnStatement(const QString& sql, QSqlQuery&& query, quint64 generation) const
{
    const auto it = threadConnections().entries.find(m_id);
    if (it == threadConnections().entries.end() || it->lost || it->generation != generation)
        return;
    // Only DML: a DDL statement runs once (migrations), and keeping plans across schema changes buys nothing.
    static const QStringList cacheable { QStringLiteral("SELECT"), QStringLiteral("INSERT"),
                                         QStringLiteral("UPDATE"), QStringLiteral("DELETE"), QStringLiteral("WITH") };
    const QStringView head = QStringView(sql).trimmed();
    bool dml = false;
    for (const QString& keyword : cacheable)
        dml = dml || head.startsWith(keyword, Qt::CaseInsensitive);
    if (!dml || it->statements.contains(sql))
        return;
    // Releases SQLite's read snapshot and PostgreSQL's result now, not at the statement's next use.
    query.finish();
    if (it->statements.size() >= kStatementCacheSize)
        it->statements.clear(); // statements with generated SQL (IN lists) must not grow it without bound
    it->statements.insert(sql, std::move(query));
}

Result<void> Database::exec(const QString& sql) const
{
    auto db = threadConnection(false);
    if (!db)
        return db.error();
    QSqlQuery query(*db);
    if (!query.exec(sql))
        return toError(query.lastError(), sql);
    return success();
}

Error Database::toError(const QSqlError& error, const QString& sql) const
{
    if (m_errorHook)
        m_errorHook();
    if (m_dialect.isUnavailable(error)) {
        const auto it = threadConnections().entries.find(m_id);
        if (it != threadConnections().entries.end() && m_dialect.kind() == SqlBackend::Postgres)
            it->lost = true;
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("database unavailable: %1").arg(errorText(error)));
    }
    if (m_dialect.isUniqueViolation(error))
        return Error::make(
            ErrorCode::Conflict,
            QStringLiteral("unique constraint violated in `%1`: %2").arg(statementSummary(sql), errorText(error)));
    return Error::make(ErrorCode::Internal,
                       QStringLiteral("database error in `%1`: %2").arg(statementSummary(sql), errorText(error)));
}

void Database::setInTransaction(bool inTransaction) const
{
    const auto it = threadConnections().entries.find(m_id);
    if (it != threadConnections().entries.end())
        it->inTransaction = inTransaction;
}

bool Database::isConnectionLost() const
{
    const auto it = threadConnections().entries.constFind(m_id);
    return it != threadConnections().entries.cend() && it->lost;
}

bool Database::inTransaction() const
{
    const auto it = threadConnections().entries.constFind(m_id);
    return it != threadConnections().entries.cend() && it->inTransaction;
}

} // namespace authshield::server
