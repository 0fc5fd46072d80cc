#include "server/storage/RedisClient.h"

#include "server/core/Log.h"

#include <QCryptographicHash>
#include <QVarLengthArray>

#include <hiredis/hiredis.h>

#include <cerrno>
#include <sys/time.h>

namespace authshield::server {

namespace {

timeval toTimeval(std::chrono::milliseconds ms)
{
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

RedisReply convert(const redisReply* reply)
{
    RedisReply out;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(static_cast<qsizetype>(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            out.elements.append(convert(reply->element[i]));
        break;
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

RedisClient::RedisClient(RedisUrl url, std::chrono::milliseconds connectTimeout,
                         std::chrono::milliseconds commandTimeout)
    : m_url(std::move(url))
    , m_connectTimeout(connectTimeout)
    , m_commandTimeout(commandTimeout)
{
}

RedisClient::~RedisClient()
{
    disconnect();
}

void RedisClient::disconnect()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
}

Error RedisClient::unavailable(const QString& why)
{
    disconnect();
    m_lastError = why;
    m_nextConnectAttempt = std::chrono::steady_clock::now() + reconnectInterval;
    return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("redis unavailable: ") + why);
}

Result<void> RedisClient::ensureConnected()
{
    if (m_context)
        return success();
    if (std::chrono::steady_clock::now() < m_nextConnectAttempt)
        return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("redis unavailable: ") + m_lastError);

    const QByteArray host = m_url.host.toUtf8();
    redisContext* context = redisConnectWithTimeout(host.constData(), m_url.port, toTimeval(m_connectTimeout));
    if (!context)
        return unavailable(QStringLiteral("cannot allocate a connection"));
    m_context = context;
    if (context->err) {
        const QString why = QStringLiteral("cannot connect to %1: %2")
                                .arg(m_url.displayString(), QString::fromLocal8Bit(context->errstr));
        return unavailable(why);
    }
    if (redisSetTimeout(context, toTimeval(m_commandTimeout)) != REDIS_OK)
        return unavailable(QStringLiteral("cannot set the command timeout"));
    m_contextReused = false;

    if (!m_url.password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_url.username.isEmpty())
            auth.append(m_url.username.toUtf8());
        auth.append(m_url.password.toUtf8());
        const auto reply = exchange(auth);
        if (!reply)
            return reply.error();
        if (reply->isError()) {
            // The reply text (WRONGPASS/NOAUTH…) never echoes the password, so it is safe to pass on.
            return unavailable(QStringLiteral("authentication failed: ") + QString::fromUtf8(reply->string));
        }
    }
    if (m_url.db != 0) {
        const auto reply = exchange({QByteArrayLiteral("SELECT"), QByteArray::number(m_url.db)});
        if (!reply)
            return reply.error();
        if (reply->isError())
            return unavailable(QStringLiteral("SELECT %1 failed: %2").arg(m_url.db).arg(QString::fromUtf8(reply->string)));
    }
    return success();
}

Result<RedisReply> RedisClient::exchange(const QList<QByteArray>& argv)
{
    QVarLengthArray<const char*, 8> args;
    QVarLengthArray<size_t, 8> lengths;
    for (const QByteArray& arg : argv) {
        args.append(arg.constData());
        lengths.append(static_cast<size_t>(arg.size()));
    }
    errno = 0;
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(m_context, static_cast<int>(args.size()), args.data(), lengths.data()));
    if (!reply) {
        const int savedErrno = errno;
        m_lastFailureWasClose = m_context->err == REDIS_ERR_EOF
                                || (m_context->err == REDIS_ERR_IO && (savedErrno == ECONNRESET || savedErrno == EPIPE));
        QString why;
        if (m_context->err == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK))
            why = QStringLiteral("no answer from %1 within %2 ms").arg(m_url.displayString()).arg(m_commandTimeout.count());
        else if (m_context->err == REDIS_ERR_EOF)
            why = QStringLiteral("connection to %1 closed").arg(m_url.displayString());
        else
            why = QStringLiteral("%1: %2").arg(m_url.displayString(), QString::fromLocal8Bit(m_context->errstr));
        return unavailable(why);
    }
    RedisReply result = convert(reply);
    freeReplyObject(reply);
    return result;
}

Result<RedisReply> RedisClient::command(const QList<QByteArray>& argv)
{
    if (argv.isEmpty())
        return Error::make(ErrorCode::Internal, QStringLiteral("empty redis command"));
    // A connection that sat idle may have been closed by a server restart; that shows only when we use it.
    // Retry once on a fresh connection in that case: the old server cannot have run the command.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto connected = ensureConnected();
        if (!connected)
            return connected.error();
        const bool reused = m_contextReused;
        auto reply = exchange(argv);
        if (!reply) {
            if (reused && m_lastFailureWasClose && attempt == 0) {
                m_nextConnectAttempt = {};
                continue;
            }
            if (reused)
                Log::warning(QStringLiteral("redis"), QStringLiteral("connection lost"),
                             {{QStringLiteral("error"), reply.error().message}});
            return reply;
        }
        m_contextReused = true;
        // A server that wants a password we did not give is as unusable as one that is down.
        if (reply->isError() && (reply->string.startsWith("NOAUTH") || reply->string.startsWith("WRONGPASS")))
            return unavailable(QStringLiteral("authentication failed: ") + QString::fromUtf8(reply->string));
        if (reply->isError())
            return Error::make(ErrorCode::Internal, QStringLiteral("redis error: ") + QString::fromUtf8(reply->string));
        return reply;
    }
    return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("redis unavailable: ") + m_lastError);
}

Result<RedisReply> RedisClient::evalScript(const QByteArray& script, const QList<QByteArray>& keys,
                                           const QList<QByteArray>& args)
{
    auto shaIt = m_scriptShas.constFind(script);
    if (shaIt == m_scriptShas.constEnd())
        shaIt = m_scriptShas.insert(script, QCryptographicHash::hash(script, QCryptographicHash::Sha1).toHex());

    QList<QByteArray> argv{QByteArrayLiteral("EVALSHA"), *shaIt, QByteArray::number(keys.size())};
    argv.append(keys);
    argv.append(args);
    auto reply = command(argv);
    if (reply || !reply.error().message.contains(QStringLiteral("NOSCRIPT")))
        return reply;
    // The server lost its script cache (restart, SCRIPT FLUSH): EVAL runs it and caches it again.
    argv[0] = QByteArrayLiteral("EVAL");
    argv[1] = script;
    return command(argv);
}

} // namespace authshield::server
