#include "server/storage/RedisUrl.h"

#include <QUrl>

namespace authshield::server {

namespace {

Error invalid(const QString& why)
{
    return Error::make(ErrorCode::ValidationFailed, QStringLiteral("invalid redis url: ") + why);
}

} // namespace

Result<RedisUrl> RedisUrl::parse(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return invalid(QStringLiteral("empty"));
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(url.errorString());
    if (url.scheme() == QStringLiteral("rediss"))
        return invalid(QStringLiteral("TLS (rediss://) is not supported; use redis:// on a trusted network"));
    if (url.scheme() != QStringLiteral("redis"))
        return invalid(QStringLiteral("scheme must be redis://"));
    if (url.host().isEmpty())
        return invalid(QStringLiteral("missing host"));
    if (url.hasQuery() || url.hasFragment())
        return invalid(QStringLiteral("query and fragment are not supported"));

    RedisUrl result;
    result.host = url.host();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return invalid(QStringLiteral("port out of range"));
    result.port = static_cast<quint16>(port);

    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool isNumber = false;
        const int db = path.toInt(&isNumber);
        if (!isNumber || db < 0 || path.startsWith(QLatin1Char('+')))
            return invalid(QStringLiteral("database must be a non-negative number, e.g. redis://host:6379/0"));
        result.db = db;
    }
    result.username = url.userName(QUrl::FullyDecoded);
    result.password = url.password(QUrl::FullyDecoded);
    if (!result.username.isEmpty() && result.password.isEmpty())
        return invalid(QStringLiteral("a user name needs a password (redis://user:password@host)"));
    return result;
}

Result<RedisUrl> RedisUrl::fromConfig(const RedisConfig& config)
{
    auto parsed = parse(config.url);
    if (!parsed)
        return parsed;
    if (!config.password.isEmpty())
        parsed->password = config.password;
    return parsed;
}

QString RedisUrl::displayString() const
{
    const QString hostPart = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("redis://%1:%2/%3").arg(hostPart).arg(port).arg(db);
}

} // namespace authshield::server
