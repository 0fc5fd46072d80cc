#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace authshield::server {

class Random;

// Single-use recovery codes: 10 per user, each 60 random bits shown as "xxxx-xxxx-xxxx" (base32, lower case).
// They are stored as HMAC-SHA256 under a server key; the codes' entropy makes a slow hash unnecessary, and the
// key keeps a stolen table from being checked offline.
class RecoveryCodes
{
public:
    static constexpr int kCount = 10;

    explicit RecoveryCodes(QByteArray hashKey);

    QStringList generate(Random& random) const;
    QByteArray hash(const QString& code) const;
    // Lower case without separators or spaces; what hash() is applied to.
    static QString normalise(const QString& code);

private:
    const QByteArray m_key;
};

} // namespace authshield::server
