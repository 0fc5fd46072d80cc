#include "server/crypto/Base64Url.h"

#include <array>

namespace authshield::server {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<qint8, 256> makeDecodeTable()
{
    std::array<qint8, 256> table {};
    for (auto& entry : table) {
        entry = -1;
    }
    for (int i = 0; i < 64; ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<qint8>(i);
    }
    return table;
}

constexpr auto kDecodeTable = makeDecodeTable();

} // namespace

QByteArray Base64Url::encode(const QByteArray& data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> Base64Url::decode(QByteArrayView text)
{
    const qsizetype length = text.size();
    if (length % 4 == 1) {
        return std::nullopt;
    }
    QByteArray out;
    out.reserve(length * 3 / 4);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const qint8 value = kDecodeTable[static_cast<unsigned char>(c)];
        if (value < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<quint32>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    // Leftover bits must be zero, otherwise several strings would decode to the same bytes.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

} // namespace authshield::server
