#pragma once

#include "server/mail/SmtpSettings.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace authshield::server {

// What went wrong, in the terms that decide what to do next: the outbox retries everything but a rejected
// recipient and a permanent (5xx) refusal of the message itself; the diagnostic shows it to the operator.
enum class SmtpErrorClass {
    None,
    Dns, // the host name does not resolve
    Connect, // TCP refused or timed out, connection dropped, or the server refused service at greeting/EHLO
    Tls, // STARTTLS missing when required, handshake failed, certificate not trusted
    Auth, // AUTH refused or no usable mechanism
    RejectedRecipient, // 5xx to RCPT TO
    Temporary, // 4xx to MAIL/RCPT/DATA, or a timeout mid-conversation
    Permanent, // 5xx to MAIL FROM or DATA
};

QString smtpErrorClassName(SmtpErrorClass errorClass); // "dns", "connect", "tls", "auth", "rejected_recipient", …

// One protocol step as the diagnostic reports it. The reply is the server's exact text (multi-line replies
// joined by "\n"); commands carrying credentials are never recorded.
struct SmtpStep
{
    QString name; // dns, connect, tls, greeting, ehlo, starttls, auth, mail_from, rcpt_to, data, quit
    bool ok = false;
    qint64 durationMs = 0;
    int replyCode = 0; // 0 when the step has no SMTP reply
    QString reply;
    QString detail; // what happened in words (resolved addresses, cipher, why it failed)
    QJsonObject extra; // tls: certificate subject, issuer, expiry

    QJsonObject toJson() const;
};

struct SmtpOutcome
{
    bool ok = false;
    SmtpErrorClass errorClass = SmtpErrorClass::None;
    QString failedStep;
    QString message; // never contains the password
    QList<SmtpStep> steps;

    // Whether the outbox should try again later.
    bool isTemporary() const;
};

// A blocking SMTP client on QSslSocket (waitFor… calls, each bounded by the per-step timeout), for the outbox
// worker's thread, the slow-work pool and the CLI. One connection per call: outbox volumes are small and a
// fresh session each time keeps failure handling trivial.
class SmtpClient
{
public:
    explicit SmtpClient(SmtpSettings settings);

    // Delivers one message (RFC 5322 bytes with CRLF line ends; dot-stuffed here).
    SmtpOutcome send(const QString& envelopeFrom, const QString& recipient, const QByteArray& message) const;
    // Connects, greets, secures and authenticates, then QUITs: the startup check.
    SmtpOutcome check() const;

    static QByteArray dotStuff(const QByteArray& message);

private:
    SmtpOutcome run(const QString& envelopeFrom, const QString& recipient, const QByteArray* message) const;

    SmtpSettings m_settings;
};

} // namespace authshield::server
