#include "server/app/LockoutMailNotifier.h"

#include "server/accounts/AccountService.h"
#include "server/core/Log.h"

namespace authshield::server {

void LockoutMailNotifier::accountLocked(const QString& userId, const QString& email, const QDateTime& until)
{
    // The lockout itself already happened; a mail that cannot be queued is logged, never fatal to the login path.
    if (Result<void> mailed = m_accounts.notifyLockout(email, until); !mailed)
        Log::error(QStringLiteral("lockout"), QStringLiteral("lockout notice not queued"),
                   {{QStringLiteral("user_id"), userId}, {QStringLiteral("error"), mailed.error().message}});
}

} // namespace authshield::server
