#pragma once

#include "server/ratelimit/LockoutNotifier.h"

namespace authshield::server {

class AccountService;

// Connects the lockout (ratelimit domain) to the owner's notice mail (accounts domain).
class LockoutMailNotifier final : public LockoutNotifier
{
public:
    explicit LockoutMailNotifier(AccountService& accounts)
        : m_accounts(accounts)
    {
    }
    void accountLocked(const QString& userId, const QString& email, const QDateTime& until) override;

private:
    AccountService& m_accounts;
};

} // namespace authshield::server
