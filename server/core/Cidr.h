#pragma once

#include <QHostAddress>
#include <QString>

#include <optional>

namespace authshield::server {

// An address range such as 10.0.0.0/8 or ::1/128, used for trusted proxies.
class Cidr
{
public:
    static std::optional<Cidr> parse(const QString& text);

    bool contains(const QHostAddress& address) const;
    QString toString() const;
    bool operator==(const Cidr& other) const = default;

private:
    QHostAddress m_network;
    int m_prefixLength = 0;
};

} // namespace authshield::server
