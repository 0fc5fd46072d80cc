#pragma once

#include "shared/Result.h"

#include <QString>

#include <optional>

namespace authshield::server {

enum class SqlBackend { Sqlite, Postgres };

// A parsed AUTHSHIELD_DATABASE_URL:
//   sqlite:///abs/path.db            absolute file
//   sqlite://relative/path.db        relative to the data dir
//   (empty)                          <data dir>/authshield.db
//   postgresql://user[:pw]@host[:port]/dbname[?sslmode=..&connect_timeout=..]   (postgres:// too)
struct DatabaseUrl
{
    SqlBackend backend = SqlBackend::Sqlite;
    QString path; // sqlite: absolute, cleaned file path
    QString host; // postgresql
    quint16 port = 5432;
    QString user;
    QString password; // from the URL; DatabaseConfig::password wins when set
    QString database;
    QString sslMode; // empty = libpq default
    std::optional<int> connectTimeoutSeconds;

    static Result<DatabaseUrl> parse(const QString& url, const QString& dataDir);

    // For logs and /ready: never contains the password.
    QString display() const;
};

} // namespace authshield::server
