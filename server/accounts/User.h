#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

enum class UserStatus { Active, Disabled };

QString userStatusName(UserStatus status);
std::optional<UserStatus> parseUserStatus(const QString& name);

struct User
{
    QString id;
    QString email; // normalised
    bool emailVerified = false;
    QString passwordHash; // Argon2id PHC string; empty for an invited user without a password yet
    QString displayName;
    UserStatus status = UserStatus::Active;
    QDateTime createdAt;
    QDateTime updatedAt;
    std::optional<QDateTime> lastLoginAt;
    QDateTime passwordChangedAt;

    bool isActive() const { return status == UserStatus::Active; }
};

struct NewUser
{
    QString email; // already normalised
    QString passwordHash;
    QString displayName;
    bool emailVerified = false;
    UserStatus status = UserStatus::Active;
};

} // namespace authshield::server
