#include "server/storage/DatabaseUrl.h"

#include <QDir>
#include <QStringList>
#include <QUrl>
#include <QUrlQuery>

namespace authshield::server {

namespace {

Error invalid(const QString& message)
{
    Error error = Error::make(ErrorCode::ValidationFailed, message);
    error.fields.insert(QStringLiteral("database.url"), message);
    return error;
}

Result<DatabaseUrl> parseSqlite(const QString& rest, const QString& dataDir)
{
    if (rest.isEmpty())
        return invalid(QStringLiteral("database URL 'sqlite://' has no file path; use sqlite:///absolute/path.db "
                                      "or sqlite://relative/path.db"));
    if (rest.contains(QLatin1Char('?')) || rest.contains(QLatin1Char('#')))
        return invalid(QStringLiteral("database URL for SQLite takes no query parameters"));
    if (rest == QStringLiteral(":memory:") || rest == QStringLiteral("/:memory:"))
        return invalid(QStringLiteral("in-memory SQLite is not supported: every thread opens its own connection"));
    if (rest.endsWith(QLatin1Char('/')))
        return invalid(QStringLiteral("database URL '%1' names a directory, not a database file")
                           .arg(QStringLiteral("sqlite://") + rest));
    DatabaseUrl url;
    url.backend = SqlBackend::Sqlite;
    const QString decoded = QUrl::fromPercentEncoding(rest.toUtf8());
    if (QDir::isAbsolutePath(decoded))
        url.path = QDir::cleanPath(decoded);
    else
        url.path = QDir::cleanPath(QDir(dataDir.isEmpty() ? QDir::currentPath() : dataDir).absoluteFilePath(decoded));
    return url;
}

Result<DatabaseUrl> parsePostgres(const QString& text)
{
    const QUrl qurl(text, QUrl::StrictMode);
    if (!qurl.isValid())
        // QUrl's own error text may quote the password, so it is not passed on.
        return invalid(QStringLiteral("database URL is not a valid postgresql:// URL (percent-encode special "
                                      "characters in the user name and password)"));
    DatabaseUrl url;
    url.backend = SqlBackend::Postgres;
    url.host = qurl.host(QUrl::FullyDecoded);
    if (url.host.isEmpty())
        return invalid(QStringLiteral("PostgreSQL database URL has no host (postgresql://user@host:port/dbname)"));
    url.user = qurl.userName(QUrl::FullyDecoded);
    if (url.user.isEmpty())
        return invalid(QStringLiteral("PostgreSQL database URL has no user (postgresql://user@host:port/dbname)"));
    url.password = qurl.password(QUrl::FullyDecoded);
    const int port = qurl.port(5432);
    if (port <= 0 || port > 65535)
        return invalid(QStringLiteral("PostgreSQL database URL has an invalid port"));
    url.port = static_cast<quint16>(port);
    QString path = qurl.path(QUrl::FullyDecoded);
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (path.isEmpty())
        return invalid(
            QStringLiteral("PostgreSQL database URL has no database name (postgresql://user@host:port/dbname)"));
    if (path.contains(QLatin1Char('/')))
        return invalid(
            QStringLiteral("PostgreSQL database URL path must be just the database name, got '%1'").arg(path));
    url.database = path;
    if (!qurl.fragment().isEmpty())
        return invalid(QStringLiteral("PostgreSQL database URL must not have a #fragment"));

    const QUrlQuery query(qurl);
    static const QStringList sslModes
        = { QStringLiteral("disable"), QStringLiteral("allow"),     QStringLiteral("prefer"),
            QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full") };
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QStringLiteral("sslmode")) {
            if (!sslModes.contains(value))
                return invalid(QStringLiteral("PostgreSQL database URL: sslmode '%1' is not one of %2")
                                   .arg(value, sslModes.join(QStringLiteral(", "))));
            url.sslMode = value;
        } else if (key == QStringLiteral("connect_timeout")) {
            bool ok = false;
            const int seconds = value.toInt(&ok);
            if (!ok || seconds < 1 || seconds > 3600)
                return invalid(QStringLiteral("PostgreSQL database URL: connect_timeout must be 1..3600 seconds, "
                                              "got '%1'")
                                   .arg(value));
            url.connectTimeoutSeconds = seconds;
        } else {
            return invalid(QStringLiteral("PostgreSQL database URL: unknown parameter '%1' "
                                          "(supported: sslmode, connect_timeout)")
                               .arg(key));
        }
    }
    return url;
}

} // namespace

Result<DatabaseUrl> DatabaseUrl::parse(const QString& url, const QString& dataDir)
{
    const QString text = url.trimmed();
    if (text.isEmpty())
        return parseSqlite(QStringLiteral("authshield.db"), dataDir);
    const qsizetype schemeEnd = text.indexOf(QStringLiteral("://"));
    if (schemeEnd <= 0)
        return invalid(QStringLiteral("database URL must start with sqlite:// or postgresql://"));
    const QString scheme = text.left(schemeEnd).toLower();
    if (scheme == QStringLiteral("sqlite"))
        return parseSqlite(text.mid(schemeEnd + 3), dataDir);
    if (scheme == QStringLiteral("postgresql") || scheme == QStringLiteral("postgres"))
        return parsePostgres(text);
    return invalid(
        QStringLiteral("database URL scheme '%1' is not supported (use sqlite:// or postgresql://)").arg(scheme));
}

QString DatabaseUrl::display() const
{
    if (backend == SqlBackend::Sqlite)
        return QStringLiteral("sqlite://") + path;
    QUrl out;
    out.setScheme(QStringLiteral("postgresql"));
    out.setUserName(user);
    out.setHost(host);
    out.setPort(port);
    out.setPath(QLatin1Char('/') + database);
    QUrlQuery query;
    if (!sslMode.isEmpty())
        query.addQueryItem(QStringLiteral("sslmode"), sslMode);
    if (connectTimeoutSeconds)
        query.addQueryItem(QStringLiteral("connect_timeout"), QString::number(*connectTimeoutSeconds));
    out.setQuery(query);
    return out.toString();
}

} // namespace authshield::server
