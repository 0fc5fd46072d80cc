#pragma once

#include "server/core/Config.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace authshield::server {

class PasswordHasher;

// One-shot operator commands that change the database (exit codes as Cli: 0 ok, 1 failed).
class AdminCommands
{
public:
    // Creates a verified user with the admin role, or grants admin to an existing account; an existing admin is
    // left untouched. The password comes from the terminal (no echo) or, when stdin is not a terminal, from its
    // first line — never from argv. A given password (the setup wizard's --admin-password-file) is used instead.
    static int createAdmin(ServerConfig config, const QString& email,
                           std::optional<QByteArray> givenPassword = std::nullopt);
    // Makes a new current signing key; the previous one keeps verifying until its tokens have expired.
    static int rotateKeys(ServerConfig config);

    // The password rules create-admin enforces (the accounts policy's length limits).
    static QString passwordProblem(const QByteArray& password, const QString& email, const PasswordConfig& config,
                                   const PasswordHasher& hasher);
};

} // namespace authshield::server
