#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QString>

namespace authshield::server {

struct PasswordCheck
{
    bool matches = false;
    bool needsRehash = false; // only meaningful when matches: the stored hash uses other parameters/algorithm
};

// Thread-safe: one instance is shared by every worker of the slow pool.
class PasswordHasher
{
public:
    virtual ~PasswordHasher() = default;

    // Fails only when the memory for the hash cannot be allocated; never store an empty hash.
    virtual Result<QString> hash(const QByteArray& password) const = 0;
    // A malformed stored hash never matches and costs a dummy verification, so it is not distinguishable by time.
    virtual PasswordCheck verify(const QString& storedHash, const QByteArray& password) const = 0;
    // Same cost as verify() against a hash with the current parameters; call it for unknown accounts.
    virtual void dummyVerify(const QByteArray& password) const = 0;
    virtual quint64 dummyVerifications() const = 0;
};

} // namespace authshield::server
