#pragma once

#include <QDateTime>
#include <QString>

namespace authshield::server {

// Told once per lockout of an existing account, so its owner learns about it (a notice mail through the
// outbox; implemented by the mail domain).
class LockoutNotifier
{
public:
    virtual ~LockoutNotifier() = default;
    virtual void accountLocked(const QString& userId, const QString& email, const QDateTime& until) = 0;
};

} // namespace authshield::server
