#pragma once

#include <functional>

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QString>
#include <QStringList>

namespace authshield::server {

class PasswordHasher;

// NIST SP 800-63B §5.1.1.2: a length window and a blocklist, no composition rules. Reasons are phrased to
// follow the field name ("password is one of the 10,000 most common passwords").
class PasswordPolicy
{
public:
    PasswordPolicy(const PasswordConfig& config, const PasswordHasher& hasher);

    // Every reason the password is refused; empty when acceptable. currentHash (the account's stored hash) is
    // verified with Argon2, so call this on the slow pool whenever it is given.
    QStringList problems(const QString& password, const QString& email, const QString& currentHash = {}) const;
    // Error{ValidationFailed} with fields[fieldName] = the reasons joined by "; ".
    Result<void> check(const QString& password, const QString& email, const QString& fieldName,
                       const QString& currentHash = {}) const;

    static bool isCommon(const QString& password);

    // The live limits (admin settings section password_policy) instead of the configured ones; set before use.
    void setLimitsSource(std::function<PasswordConfig()> source) { m_source = std::move(source); }

private:
    const PasswordConfig& m_config;
    std::function<PasswordConfig()> m_source;
    const PasswordHasher& m_hasher;
};

} // namespace authshield::server
