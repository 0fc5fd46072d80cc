#pragma once

#include <QByteArray>
#include <QList>

namespace authshield::server {

// One Redis reply as a plain Qt value, so hiredis types never leave the files that wrap it.
struct RedisReply
{
    enum class Type { Nil, String, Status, Integer, Array, Error };

    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray string; // bulk string, status text or error text
    QList<RedisReply> elements;

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isString() const { return type == Type::String || type == Type::Status; }
};

} // namespace authshield::server
