#include "server/storage/SqlQuery.h"

#include "server/storage/Database.h"

#include <QSqlError>

namespace authshield::server {

SqlQuery::SqlQuery(const Database& db, const QString& sql)
    : m_db(&db)
    , m_sql(sql)
{
    if (auto cached = m_db->takeStatement(sql, m_generation)) {
        m_query = std::move(*cached);
        m_reused = true;
        return;
    }
    prepareFresh();
}

SqlQuery::~SqlQuery()
{
    if (!m_prepareError && !m_query.lastQuery().isEmpty())
        m_db->returnStatement(m_sql, std::move(m_query), m_generation);
}

bool SqlQuery::prepareFresh()
{
    // A connection that died since its last use (database restarted) is noticed here, when the driver
    // prepares the statement; outside a transaction nothing is lost by reconnecting once and retrying.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto connection = m_db->threadConnection(false);
        if (!connection) {
            m_prepareError = connection.error();
            return false;
        }
        m_generation = m_db->connectionGeneration();
        m_query = QSqlQuery(*connection);
        m_query.setForwardOnly(true);
        if (m_query.prepare(m_sql)) {
            m_prepareError.reset();
            return true;
        }
        m_prepareError = m_db->toError(m_query.lastError(), m_sql);
        m_query = QSqlQuery();
        if (!m_db->isConnectionLost() || m_db->inTransaction())
            return false;
    }
    return false;
}

SqlQuery& SqlQuery::bind(const QString& placeholder, const QVariant& value)
{
    // QtSql binds a null QString as SQL NULL; an absent text (no User-Agent, no display name) means "" here.
    // NULL is always explicit: bindNull().
    if (value.typeId() == QMetaType::QString && value.toString().isNull())
        m_query.bindValue(placeholder, QStringLiteral(""));
    else
        m_query.bindValue(placeholder, value);
    return *this;
}

SqlQuery& SqlQuery::bindBool(const QString& placeholder, bool value)
{
    return bind(placeholder, m_db->dialect().boolValue(value));
}

SqlQuery& SqlQuery::bindBlob(const QString& placeholder, const QByteArray& value)
{
    return bind(placeholder, m_db->dialect().blobValue(value));
}

SqlQuery& SqlQuery::bindNull(const QString& placeholder)
{
    return bind(placeholder, QVariant());
}

Result<void> SqlQuery::exec()
{
    if (m_prepareError)
        return *m_prepareError;
    if (m_query.exec())
        return success();
    const Error error = m_db->toError(m_query.lastError(), m_sql);
    // A reused statement skipped the prepare that notices a dead connection (database restarted): outside a
    // transaction, reconnect once and run it again with the same values, as a fresh statement would have.
    if (!m_reused || !m_db->isConnectionLost() || m_db->inTransaction())
        return error;
    const QVariantList values = m_query.boundValues();
    m_reused = false;
    if (!prepareFresh())
        return *m_prepareError;
    for (qsizetype i = 0; i < values.size(); ++i)
        m_query.bindValue(int(i), values.at(i));
    if (!m_query.exec())
        return m_db->toError(m_query.lastError(), m_sql);
    return success();
}

bool SqlQuery::next()
{
    return !m_prepareError && m_query.next();
}

QVariant SqlQuery::value(int column) const
{
    return m_query.value(column);
}

QVariant SqlQuery::value(const QString& column) const
{
    return m_query.value(column);
}

bool SqlQuery::isNull(int column) const
{
    return m_query.isNull(column);
}

QString SqlQuery::string(int column) const
{
    return m_query.value(column).toString();
}

qint64 SqlQuery::int64(int column) const
{
    return m_query.value(column).toLongLong();
}

std::optional<qint64> SqlQuery::optionalInt64(int column) const
{
    if (m_query.isNull(column))
        return std::nullopt;
    return m_query.value(column).toLongLong();
}

bool SqlQuery::boolean(int column) const
{
    return m_db->dialect().toBool(m_query.value(column));
}

QByteArray SqlQuery::blob(int column) const
{
    return m_db->dialect().toBlob(m_query.value(column));
}

QString SqlQuery::uuid(int column) const
{
    return m_db->dialect().toUuidString(m_query.value(column));
}

int SqlQuery::rowsAffected() const
{
    return m_query.numRowsAffected();
}

} // namespace authshield::server
