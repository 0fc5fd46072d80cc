#include "server/core/Cidr.h"

namespace authshield::server {

std::optional<Cidr> Cidr::parse(const QString& text)
{
    const QString trimmed = text.trimmed();
    const auto parsed = trimmed.contains(QLatin1Char('/'))
        ? QHostAddress::parseSubnet(trimmed)
        : QPair<QHostAddress, int>(QHostAddress(trimmed), -1);
    if (parsed.first.isNull())
        return std::nullopt;
    Cidr cidr;
    cidr.m_network = parsed.first;
    const bool v4 = parsed.first.protocol() == QAbstractSocket::IPv4Protocol;
    cidr.m_prefixLength = parsed.second < 0 ? (v4 ? 32 : 128) : parsed.second;
    return cidr;
}

bool Cidr::contains(const QHostAddress& address) const
{
    // Peers on an IPv4 listener may show up as IPv4-mapped IPv6 (::ffff:a.b.c.d).
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const QHostAddress normalised = isV4 ? QHostAddress(v4) : address;
    return normalised.isInSubnet(m_network, m_prefixLength);
}

QString Cidr::toString() const
{
    return m_network.toString() + QLatin1Char('/') + QString::number(m_prefixLength);
}

} // namespace authshield::server
