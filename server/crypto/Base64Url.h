#pragma once

#include <QByteArray>

#include <optional>

namespace authshield::server {

// base64url without padding (RFC 7515 §2). Decoding is strict so that one token has exactly one encoding:
// padding, '+', '/', whitespace and non-zero trailing bits are all rejected.
class Base64Url
{
public:
    static QByteArray encode(const QByteArray& data);
    static std::optional<QByteArray> decode(QByteArrayView text);
};

} // namespace authshield::server
