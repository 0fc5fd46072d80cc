#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <optional>

namespace authshield::server {

class Database;

// A prepared statement on the calling thread's connection, returning Result instead of bool:
//   auto q = db.prepare(sql); q.bind(":id", id); if (auto r = q.exec(); !r) return r.error();
// Booleans and blobs go through the dialect so repositories never ask which database they are on.
class SqlQuery
{
public:
    SqlQuery(const Database& db, const QString& sql);
    // Hands the prepared statement back to this thread's statement cache (see Database).
    ~SqlQuery();
    SqlQuery(const SqlQuery&) = delete;
    SqlQuery& operator=(const SqlQuery&) = delete;

    SqlQuery& bind(const QString& placeholder, const QVariant& value); // a null QString binds as "", not NULL
    SqlQuery& bindBool(const QString& placeholder, bool value);
    SqlQuery& bindBlob(const QString& placeholder, const QByteArray& value);
    SqlQuery& bindNull(const QString& placeholder);
    template<typename T> SqlQuery& bindOptional(const QString& placeholder, const std::optional<T>& value)
    {
        return value ? bind(placeholder, QVariant::fromValue(*value)) : bindNull(placeholder);
    }

    Result<void> exec();

    bool next();
    QVariant value(int column) const;
    QVariant value(const QString& column) const;
    bool isNull(int column) const;
    QString string(int column) const;
    qint64 int64(int column) const;
    std::optional<qint64> optionalInt64(int column) const;
    bool boolean(int column) const;
    QByteArray blob(int column) const;
    QString uuid(int column) const;
    int rowsAffected() const;

    QSqlQuery& raw() { return m_query; }

private:
    bool prepareFresh();

    const Database* m_db;
    QString m_sql;
    QSqlQuery m_query;
    std::optional<Error> m_prepareError;
    quint64 m_generation = 0;
    bool m_reused = false;
};

} // namespace authshield::server
