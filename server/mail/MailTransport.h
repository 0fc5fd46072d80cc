#pragma once

#include "server/mail/MailMessage.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QString>

namespace authshield::server {

// One mail handed to a transport by the outbox worker. The id is the outbox row's, so a redelivery after a
// crash carries the same Message-ID (and, for files, the same file name).
struct OutgoingMail
{
    QString id;
    QDateTime createdAt;
    MailMessage message;
};

// Delivers one mail. Failures are temporary (Error{ServiceUnavailable}: retried with backoff — a full disk,
// an unreachable SMTP server) or permanent (any other code: a rejected recipient; marked failed at once).
// Called from the outbox worker's thread only.
class MailTransport
{
public:
    virtual ~MailTransport() = default;
    virtual Result<void> deliver(const OutgoingMail& mail) = 0;
    virtual QString name() const = 0; // "file", "smtp" (for /ready)

    static bool isTemporary(const Error& error) { return error.code == ErrorCode::ServiceUnavailable; }
};

} // namespace authshield::server
