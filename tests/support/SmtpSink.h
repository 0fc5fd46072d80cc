#pragma once

#include "tests/support/MailFile.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QThread;

namespace authshield::test {

// A scriptable SMTP server on 127.0.0.1 for tests, running on a thread of its own (so a blocking client in the
// test's thread, or a server process, can talk to it). Usage:
//
//     SmtpSink sink(SmtpSink::Mode::StartTls);
//     sink.setCredentials("mailer", "s3cret");          // optional: AUTH PLAIN/LOGIN required before MAIL
//     QVERIFY(sink.start());                             // free port → sink.port()
//     … configure host "localhost", port sink.port(), security starttls, ca_file sink.caFile() …
//     QVERIFY(sink.waitForMessages(1, 10000));
//     sink.messages().first().parsed.subject();
//
// TLS uses a certificate made at runtime for "localhost" and 127.0.0.1; caFile() is the PEM to trust. With
// Failure::BadCertificate at Step::Tls the handshake presents another, untrusted, certificate.
// All methods are thread-safe.
class SmtpSink
{
public:
    enum class Mode { Plain, StartTls, ImplicitTls };
    // Where a failure strikes. Tls = the TLS handshake (implicit TLS, or after STARTTLS's 220).
    enum class Step { Greeting, Ehlo, StartTls, Tls, Auth, MailFrom, RcptTo, Data };
    enum class Failure {
        Temporary, // a 4xx reply (421 at the greeting, 454 at STARTTLS/AUTH, 451 otherwise)
        Permanent, // a 5xx reply (554 greeting, 535 AUTH, 550 RCPT, 554 otherwise)
        Drop, // the connection is closed instead of answering
        BadCertificate, // (Step::Tls) the handshake presents an untrusted certificate
    };

    struct Message
    {
        QString from; // MAIL FROM address
        QStringList to; // RCPT TO addresses
        QByteArray data; // as received, dot-unstuffed, without the final ".\r\n"
        MailFile parsed; // headers, text and HTML parts
        bool tls = false; // the session was encrypted
        QString authUser; // empty when the session did not authenticate
    };

    explicit SmtpSink(Mode mode = Mode::Plain);
    ~SmtpSink();

    bool start(quint16 port = 0); // listens on 127.0.0.1 (port 0 = a free one); false when it cannot
    void stop(); // closes the listener and every session
    // pause(): connections are refused (the port is closed); resume(): listens again on the same port.
    void pause();
    bool resume();
    quint16 port() const;
    QString caFile() const; // the PEM certificate a client must trust

    void setCredentials(const QString& user, const QString& password);
    void setAuthMechanisms(const QStringList& mechanisms); // advertised; default {"PLAIN", "LOGIN"}
    // The next `times` occurrences of step fail (times < 0: every time). One failure rule at a time.
    void failAt(Step step, Failure failure, int times = -1);
    void clearFailure();

    QList<Message> messages() const;
    QList<Message> messagesTo(const QString& address) const;
    bool waitForMessages(int count, int timeoutMs = 15000) const; // total count reached
    int connectionCount() const; // sessions accepted so far
    QStringList commandLog() const; // every command received (AUTH payloads masked)
    void clearMessages();

private:
    struct Shared;
    class Server;
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<QThread> m_thread;
    Server* m_server = nullptr; // lives in m_thread
};

} // namespace authshield::test
