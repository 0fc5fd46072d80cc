#include "server/mail/SmtpClient.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QHostInfo>
#include <QSslCertificate>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStringList>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
constexpr int kMaxReplyLines = 100;
constexpr int kMaxLineBytes = 4096;

struct Reply
{
    int code = 0;
    QStringList lines;
    QString text() const { return lines.join(u'\n'); }
    bool is(int hundreds) const { return code / 100 == hundreds; }
};

QJsonObject certificateJson(const QSslCertificate& certificate)
{
    if (certificate.isNull())
        return {};
    return QJsonObject{{u"subject"_s, certificate.subjectDisplayName()},
                       {u"issuer"_s, certificate.issuerDisplayName()},
                       {u"not_before"_s, certificate.effectiveDate().toUTC().toString(Qt::ISODate)},
                       {u"expires"_s, certificate.expiryDate().toUTC().toString(Qt::ISODate)}};
}

// One conversation. Each step runs against the per-step timeout; the first failure ends the session.
class Session
{
public:
    Session(const SmtpSettings& settings, SmtpOutcome& outcome)
        : m_settings(settings)
        , m_outcome(outcome)
        , m_timeoutMs(static_cast<int>(settings.timeout.count()))
    {
    }

    bool run(const QString& from, const QString& recipient, const QByteArray* message)
    {
        if (!resolve() || !connectTcp())
            return false;
        if (m_settings.security == SmtpSecurity::ImplicitTls && !handshake(u"tls"_s, {}))
            return false;
        if (!greeting() || !ehlo())
            return false;
        if (m_settings.security == SmtpSecurity::StartTls || m_settings.security == SmtpSecurity::Opportunistic) {
            if (!startTls())
                return false;
        }
        if (!m_settings.username.isEmpty() && !authenticate())
            return false;
        if (message) {
            if (!envelope(u"mail_from"_s, "MAIL FROM:<"_ba + from.toUtf8() + '>', from))
                return false;
            if (!envelope(u"rcpt_to"_s, "RCPT TO:<"_ba + recipient.toUtf8() + '>', recipient))
                return false;
            if (!data(*message))
                return false;
        }
        quit();
        return true;
    }

    void abort() { m_socket.abort(); }

private:
    SmtpStep begin(const QString& name)
    {
        m_timer.restart();
        SmtpStep step;
        step.name = name;
        return step;
    }

    bool pass(SmtpStep step)
    {
        step.ok = true;
        step.durationMs = m_timer.elapsed();
        m_outcome.steps.append(std::move(step));
        return true;
    }

    bool fail(SmtpStep step, SmtpErrorClass errorClass, const QString& why)
    {
        step.ok = false;
        step.durationMs = m_timer.elapsed();
        if (step.detail.isEmpty())
            step.detail = why;
        m_outcome.errorClass = errorClass;
        m_outcome.failedStep = step.name;
        m_outcome.message = step.name + u": "_s + why;
        m_outcome.steps.append(std::move(step));
        return false;
    }

    // The server's words, minus anything that could be a credential echoed back.
    QString scrub(QString text) const
    {
        if (!m_settings.password.isEmpty()) {
            text.replace(m_settings.password, u"********"_s);
            text.replace(QString::fromLatin1(m_settings.password.toUtf8().toBase64()), u"********"_s);
        }
        for (const QString& secret : m_secrets)
            text.replace(secret, u"********"_s);
        return text;
    }

    bool resolve()
    {
        SmtpStep step = begin(u"dns"_s);
        QHostAddress literal;
        if (literal.setAddress(m_settings.host)) {
            m_addresses = {literal};
        } else {
            const QHostInfo info = QHostInfo::fromName(m_settings.host);
            if (info.error() != QHostInfo::NoError || info.addresses().isEmpty())
                return fail(step, SmtpErrorClass::Dns,
                            u"cannot resolve %1: %2"_s.arg(m_settings.host, info.errorString()));
            // IPv4 first: a loopback-only or v4-only mail host is the common case.
            for (const QHostAddress& address : info.addresses())
                if (address.protocol() == QAbstractSocket::IPv4Protocol)
                    m_addresses.append(address);
            for (const QHostAddress& address : info.addresses())
                if (address.protocol() != QAbstractSocket::IPv4Protocol)
                    m_addresses.append(address);
        }
        QStringList shown;
        for (const QHostAddress& address : m_addresses)
            shown.append(address.toString());
        step.detail = m_settings.host + u" → "_s + shown.join(u", "_s);
        return pass(step);
    }

    bool connectTcp()
    {
        SmtpStep step = begin(u"connect"_s);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        if (!m_settings.caFile.isEmpty())
            tls.setCaCertificates(QSslCertificate::fromPath(m_settings.caFile, QSsl::Pem));
        m_socket.setSslConfiguration(tls);
        m_socket.setPeerVerifyName(m_settings.host);
        QStringList errors;
        const quint16 port = static_cast<quint16>(m_settings.effectivePort());
        for (const QHostAddress& address : std::as_const(m_addresses)) {
            m_socket.connectToHost(address, port);
            if (m_socket.waitForConnected(m_timeoutMs)) {
                step.detail = u"connected to %1 port %2"_s.arg(address.toString()).arg(port);
                return pass(step);
            }
            errors.append(address.toString() + u": "_s + m_socket.errorString());
            m_socket.abort();
        }
        return fail(step, SmtpErrorClass::Connect,
                    u"cannot connect to port %1 (%2)"_s.arg(port).arg(errors.join(u"; "_s)));
    }

    bool handshake(const QString& name, SmtpStep step)
    {
        if (step.name.isEmpty())
            step = begin(name);
        if (!m_settings.caFile.isEmpty() && m_socket.sslConfiguration().caCertificates().isEmpty())
            return fail(step, SmtpErrorClass::Tls, u"the CA file %1 holds no PEM certificate"_s.arg(m_settings.caFile));
        m_socket.startClientEncryption();
        const bool encrypted = m_socket.waitForEncrypted(m_timeoutMs);
        step.extra = certificateJson(m_socket.peerCertificate());
        if (!encrypted) {
            QStringList errors;
            for (const QSslError& error : m_socket.sslHandshakeErrors())
                errors.append(error.errorString());
            if (errors.isEmpty())
                errors.append(m_socket.state() == QAbstractSocket::ConnectedState && m_socket.error() == QAbstractSocket::UnknownSocketError
                                  ? u"timed out"_s
                                  : m_socket.errorString());
            return fail(step, SmtpErrorClass::Tls, u"TLS handshake failed: "_s + errors.join(u"; "_s));
        }
        const QSslCipher cipher = m_socket.sessionCipher();
        step.detail = u"%1, %2; certificate verified"_s.arg(cipher.protocolString(), cipher.name());
        return pass(step);
    }

    // Reads one (possibly multi-line) reply; false with the reason on timeout, close or garbage.
    bool readReply(Reply& reply, QString& error)
    {
        reply = {};
        QDeadlineTimer deadline(m_timeoutMs);
        for (int round = 0; round < 10000; ++round) {
            while (m_socket.canReadLine()) {
                QByteArray line = m_socket.readLine(kMaxLineBytes);
                while (line.endsWith('\n') || line.endsWith('\r'))
                    line.chop(1);
                bool numeric = false;
                const int code = line.left(3).toInt(&numeric);
                if (line.size() < 3 || !numeric || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
                    error = u"malformed reply: "_s + scrub(QString::fromUtf8(line.left(200)));
                    return false;
                }
                reply.code = code;
                reply.lines.append(scrub(QString::fromUtf8(line)));
                if (line.size() == 3 || line[3] == ' ')
                    return true;
                if (reply.lines.size() > kMaxReplyLines) {
                    error = u"reply longer than %1 lines"_s.arg(kMaxReplyLines);
                    return false;
                }
            }
            if (deadline.hasExpired()) {
                error = u"timed out after %1 ms waiting for the server's reply"_s.arg(m_timeoutMs);
                return false;
            }
            if (!m_socket.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime())))) {
                if (m_socket.canReadLine())
                    continue;
                if (m_socket.state() != QAbstractSocket::ConnectedState) {
                    error = u"the server closed the connection"_s;
                    return false;
                }
            }
        }
        error = u"no complete reply"_s;
        return false;
    }

    bool write(const QByteArray& bytes, QString& error)
    {
        if (m_socket.write(bytes) != bytes.size()) {
            error = u"cannot send: "_s + m_socket.errorString();
            return false;
        }
        QDeadlineTimer deadline(m_timeoutMs);
        for (int round = 0; round < 100000 && m_socket.bytesToWrite() > 0; ++round) {
            if (deadline.hasExpired() || m_socket.state() != QAbstractSocket::ConnectedState) {
                error = deadline.hasExpired() ? u"timed out sending"_s : u"the server closed the connection"_s;
                return false;
            }
            m_socket.waitForBytesWritten(static_cast<int>(qMax<qint64>(1, deadline.remainingTime())));
        }
        return true;
    }

    // Sends a command (never logged: AUTH lines carry credentials) and reads the reply into the step.
    bool exchange(SmtpStep& step, const QByteArray& command, Reply& reply, QString& error)
    {
        if (!command.isEmpty() && !write(command + "\r\n", error))
            return false;
        if (!readReply(reply, error))
            return false;
        step.replyCode = reply.code;
        step.reply = reply.text();
        return true;
    }

    bool greeting()
    {
        SmtpStep step = begin(u"greeting"_s);
        Reply reply;
        QString error;
        if (!exchange(step, {}, reply, error))
            return fail(step, SmtpErrorClass::Connect, error);
        if (reply.code != 220)
            return fail(step, SmtpErrorClass::Connect, u"the server refused service"_s);
        return pass(step);
    }

    bool ehlo()
    {
        SmtpStep step = begin(u"ehlo"_s);
        Reply reply;
        QString error;
        if (!exchange(step, "EHLO "_ba + m_settings.effectiveEhloName().toUtf8(), reply, error))
            return fail(step, SmtpErrorClass::Connect, error);
        if (reply.code != 250)
            return fail(step, SmtpErrorClass::Connect, u"EHLO refused"_s);
        m_extensions.clear();
        for (qsizetype i = 1; i < reply.lines.size(); ++i)
            m_extensions.append(reply.lines.at(i).mid(4).trimmed().toUpper());
        return pass(step);
    }

    bool offers(const QString& keyword) const
    {
        for (const QString& extension : m_extensions)
            if (extension == keyword || extension.startsWith(keyword + u' '))
                return true;
        return false;
    }

    bool startTls()
    {
        SmtpStep step = begin(u"starttls"_s);
        if (!offers(u"STARTTLS"_s)) {
            if (m_settings.security == SmtpSecurity::StartTls)
                return fail(step, SmtpErrorClass::Tls,
                            u"the server does not offer STARTTLS and security is starttls (required)"_s);
            step.detail = u"not offered; continuing in plain text (security is opportunistic)"_s;
            return pass(step);
        }
        Reply reply;
        QString error;
        if (!exchange(step, "STARTTLS", reply, error))
            return fail(step, SmtpErrorClass::Tls, error);
        if (reply.code != 220)
            return fail(step, SmtpErrorClass::Tls, u"STARTTLS refused"_s);
        // Once offered, TLS must succeed: falling back to plain text would let a downgrade go unnoticed.
        if (!handshake(step.name, step))
            return false;
        return ehlo();
    }

    bool authenticate()
    {
        SmtpStep step = begin(u"auth"_s);
        const QByteArray user = m_settings.username.toUtf8();
        const QByteArray password = m_settings.password.toUtf8();
        Reply reply;
        QString error;
        auto isAuth = [this](const QString& mechanism) {
            for (const QString& extension : m_extensions)
                if (extension.startsWith(u"AUTH "_s) && extension.mid(5).split(u' ').contains(mechanism))
                    return true;
            return false;
        };
        if (isAuth(u"PLAIN"_s)) {
            const QByteArray token = ('\0' + user + '\0' + password).toBase64();
            m_secrets.append(QString::fromLatin1(token));
            step.detail = u"PLAIN as %1"_s.arg(m_settings.username);
            if (!exchange(step, "AUTH PLAIN " + token, reply, error))
                return fail(step, SmtpErrorClass::Auth, error);
        } else if (isAuth(u"LOGIN"_s)) {
            step.detail = u"LOGIN as %1"_s.arg(m_settings.username);
            m_secrets.append(QString::fromLatin1(password.toBase64()));
            if (!exchange(step, "AUTH LOGIN", reply, error))
                return fail(step, SmtpErrorClass::Auth, error);
            if (reply.code == 334 && !exchange(step, user.toBase64(), reply, error))
                return fail(step, SmtpErrorClass::Auth, error);
            if (reply.code == 334 && !exchange(step, password.toBase64(), reply, error))
                return fail(step, SmtpErrorClass::Auth, error);
        } else {
            return fail(step, SmtpErrorClass::Auth,
                        m_socket.isEncrypted() || !offers(u"STARTTLS"_s)
                            ? u"the server offers neither AUTH PLAIN nor AUTH LOGIN"_s
                            : u"the server offers AUTH only after STARTTLS (security is none)"_s);
        }
        if (reply.code != 235)
            return fail(step, SmtpErrorClass::Auth, u"authentication refused"_s);
        return pass(step);
    }

    bool envelope(const QString& name, const QByteArray& command, const QString& address)
    {
        SmtpStep step = begin(name);
        if (address.contains(u'\r') || address.contains(u'\n') || address.contains(u'<') || address.contains(u'>'))
            return fail(step, name == u"rcpt_to"_s ? SmtpErrorClass::RejectedRecipient : SmtpErrorClass::Permanent,
                        u"invalid address"_s);
        Reply reply;
        QString error;
        if (!exchange(step, command, reply, error))
            return fail(step, SmtpErrorClass::Temporary, error);
        if (reply.code == 250 || reply.code == 251)
            return pass(step);
        if (reply.is(4))
            return fail(step, SmtpErrorClass::Temporary, u"temporarily refused"_s);
        return fail(step, name == u"rcpt_to"_s ? SmtpErrorClass::RejectedRecipient : SmtpErrorClass::Permanent,
                    name == u"rcpt_to"_s ? u"recipient rejected"_s : u"sender rejected"_s);
    }

    bool data(const QByteArray& message)
    {
        SmtpStep step = begin(u"data"_s);
        Reply reply;
        QString error;
        if (!exchange(step, "DATA", reply, error))
            return fail(step, SmtpErrorClass::Temporary, error);
        if (reply.code != 354)
            return fail(step, reply.is(4) ? SmtpErrorClass::Temporary : SmtpErrorClass::Permanent,
                        u"DATA refused"_s);
        const QByteArray stuffed = SmtpClient::dotStuff(message);
        if (!write(stuffed + ".\r\n", error) || !readReply(reply, error))
            return fail(step, SmtpErrorClass::Temporary, error);
        step.replyCode = reply.code;
        step.reply = reply.text();
        step.detail = u"%1 bytes sent"_s.arg(stuffed.size());
        if (reply.code == 250)
            return pass(step);
        return fail(step, reply.is(4) ? SmtpErrorClass::Temporary : SmtpErrorClass::Permanent,
                    u"message refused"_s);
    }

    void quit()
    {
        QString error;
        Reply reply;
        // Best effort: the mail is accepted already; a server that hangs up without answering changes nothing.
        if (write("QUIT\r\n", error))
            (void)readReply(reply, error);
        m_socket.disconnectFromHost();
    }

    const SmtpSettings& m_settings;
    SmtpOutcome& m_outcome;
    const int m_timeoutMs;
    QSslSocket m_socket;
    QElapsedTimer m_timer;
    QList<QHostAddress> m_addresses;
    QStringList m_extensions;
    QStringList m_secrets;
};
} // namespace

QString smtpErrorClassName(SmtpErrorClass errorClass)
{
    switch (errorClass) {
    case SmtpErrorClass::None:
        return u"none"_s;
    case SmtpErrorClass::Dns:
        return u"dns"_s;
    case SmtpErrorClass::Connect:
        return u"connect"_s;
    case SmtpErrorClass::Tls:
        return u"tls"_s;
    case SmtpErrorClass::Auth:
        return u"auth"_s;
    case SmtpErrorClass::RejectedRecipient:
        return u"rejected_recipient"_s;
    case SmtpErrorClass::Temporary:
        return u"temporary"_s;
    case SmtpErrorClass::Permanent:
        return u"permanent"_s;
    }
    return u"none"_s;
}

QJsonObject SmtpStep::toJson() const
{
    QJsonObject json{{u"step"_s, name}, {u"ok"_s, ok}, {u"duration_ms"_s, durationMs}};
    if (replyCode != 0)
        json.insert(u"reply_code"_s, replyCode);
    if (!reply.isEmpty())
        json.insert(u"reply"_s, reply);
    if (!detail.isEmpty())
        json.insert(u"detail"_s, detail);
    if (!extra.isEmpty())
        json.insert(u"certificate"_s, extra);
    return json;
}

bool SmtpOutcome::isTemporary() const
{
    return !ok && errorClass != SmtpErrorClass::RejectedRecipient && errorClass != SmtpErrorClass::Permanent;
}

SmtpClient::SmtpClient(SmtpSettings settings)
    : m_settings(std::move(settings))
{
}

QByteArray SmtpClient::dotStuff(const QByteArray& message)
{
    QByteArray out;
    out.reserve(message.size() + message.size() / 50 + 2);
    bool lineStart = true;
    for (qsizetype i = 0; i < message.size(); ++i) {
        const char c = message.at(i);
        if (c == '\r' && (i + 1 == message.size() || message.at(i + 1) != '\n')) {
            out.append("\r\n"); // a bare CR ends a line too: never send one
            lineStart = true;
            continue;
        }
        if (lineStart && c == '.')
            out.append('.');
        if (c == '\n' && (i == 0 || message.at(i - 1) != '\r'))
            out.append('\r');
        out.append(c);
        lineStart = c == '\n';
    }
    if (!out.endsWith("\r\n"))
        out.append("\r\n");
    return out;
}

SmtpOutcome SmtpClient::run(const QString& envelopeFrom, const QString& recipient, const QByteArray* message) const
{
    SmtpOutcome outcome;
    if (!m_settings.isConfigured()) {
        outcome.errorClass = SmtpErrorClass::Dns;
        outcome.failedStep = u"dns"_s;
        outcome.message = u"no SMTP host is configured"_s;
        return outcome;
    }
    Session session(m_settings, outcome);
    outcome.ok = session.run(envelopeFrom, recipient, message);
    if (!outcome.ok)
        session.abort();
    return outcome;
}

SmtpOutcome SmtpClient::send(const QString& envelopeFrom, const QString& recipient, const QByteArray& message) const
{
    return run(envelopeFrom, recipient, &message);
}

SmtpOutcome SmtpClient::check() const
{
    return run({}, {}, nullptr);
}

} // namespace authshield::server
