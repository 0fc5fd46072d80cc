#include "server/storage/RespParser.h"

namespace authshield::server {

namespace {

// Bounds that keep a broken or hostile peer from making us allocate without limit.
constexpr int maxDepth = 16;
constexpr qint64 maxBulkLength = 512 * 1024 * 1024;
constexpr qint64 maxArrayLength = 1024 * 1024;

} // namespace

void RespParser::reset()
{
    m_buffer.clear();
    m_error = false;
}

std::optional<RedisReply> RespParser::next()
{
    if (m_error || m_buffer.isEmpty())
        return std::nullopt;
    qsizetype pos = 0;
    RedisReply reply;
    if (!parseAt(pos, reply, 0))
        return std::nullopt;
    m_buffer.remove(0, pos);
    return reply;
}

bool RespParser::parseAt(qsizetype& pos, RedisReply& out, int depth)
{
    if (depth > maxDepth) {
        m_error = true;
        return false;
    }
    const qsizetype lineEnd = m_buffer.indexOf("\r\n", pos);
    if (lineEnd < 0)
        return false;
    const char kind = m_buffer.at(pos);
    const QByteArray line = m_buffer.mid(pos + 1, lineEnd - pos - 1);
    qsizetype cursor = lineEnd + 2;
    bool isNumber = true;

    switch (kind) {
    case '+':
    case '-':
        out.type = kind == '+' ? RedisReply::Type::Status : RedisReply::Type::Error;
        out.string = line;
        break;
    case ':':
        out.type = RedisReply::Type::Integer;
        out.integer = line.toLongLong(&isNumber);
        break;
    case '$': {
        const qint64 length = line.toLongLong(&isNumber);
        if (!isNumber || length > maxBulkLength || length < -1) {
            m_error = true;
            return false;
        }
        if (length == -1) {
            out.type = RedisReply::Type::Nil;
            break;
        }
        if (m_buffer.size() < cursor + length + 2)
            return false;
        out.type = RedisReply::Type::String;
        out.string = m_buffer.mid(cursor, length);
        cursor += length + 2;
        break;
    }
    case '*': {
        const qint64 count = line.toLongLong(&isNumber);
        if (!isNumber || count > maxArrayLength || count < -1) {
            m_error = true;
            return false;
        }
        if (count == -1) {
            out.type = RedisReply::Type::Nil;
            break;
        }
        out.type = RedisReply::Type::Array;
        out.elements.reserve(count);
        for (qint64 i = 0; i < count; ++i) {
            RedisReply element;
            if (!parseAt(cursor, element, depth + 1))
                return false;
            out.elements.append(std::move(element));
        }
        break;
    }
    default:
        m_error = true;
        return false;
    }
    if (!isNumber) {
        m_error = true;
        return false;
    }
    pos = cursor;
    return true;
}

QByteArray RespParser::encodeCommand(const QList<QByteArray>& argv)
{
    QByteArray out;
    out += '*' + QByteArray::number(argv.size()) + "\r\n";
    for (const QByteArray& arg : argv)
        out += '$' + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    return out;
}

} // namespace authshield::server
