#pragma once

#include "server/storage/RedisReply.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace authshield::server {

// Incremental RESP2 decoder for the event-driven subscriber connection (feed bytes as they arrive,
// take complete replies out), plus the matching command encoder.
class RespParser
{
public:
    void feed(const QByteArray& bytes) { m_buffer.append(bytes); }
    // Next complete reply, or nullopt when more bytes are needed. A protocol error sets hasError().
    std::optional<RedisReply> next();
    bool hasError() const { return m_error; }
    void reset();

    static QByteArray encodeCommand(const QList<QByteArray>& argv);

private:
    // Parses one reply starting at pos; returns false when incomplete (pos untouched then).
    bool parseAt(qsizetype& pos, RedisReply& out, int depth);

    QByteArray m_buffer;
    bool m_error = false;
};

} // namespace authshield::server
