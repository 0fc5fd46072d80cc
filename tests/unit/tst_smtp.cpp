#include "server/mail/FileMailTransport.h"
#include "server/mail/SmtpClient.h"
#include "server/mail/SmtpDiagnostics.h"
#include "server/mail/SmtpSettings.h"
#include "server/mail/SmtpTransport.h"
#include "tests/support/SmtpSink.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QDir>
#include <QTest>
#include <QThread>

using namespace authshield::server;
using namespace authshield::test;
using authshield::Result;

Q_DECLARE_METATYPE(SmtpSink::Mode)
Q_DECLARE_METATYPE(SmtpSink::Step)
Q_DECLARE_METATYPE(SmtpSink::Failure)
Q_DECLARE_METATYPE(SmtpSecurity)

namespace {
const QString kUser = QStringLiteral("mailer");
const QString kPassword = QStringLiteral("pässword-Zq8!secret");

SmtpSettings settingsFor(const SmtpSink& sink, SmtpSecurity security)
{
    SmtpSettings settings;
    settings.host = QStringLiteral("localhost");
    settings.port = sink.port();
    settings.security = security;
    settings.fromAddress = QStringLiteral("no-reply@authshield.test");
    settings.fromName = QStringLiteral("AuthShield Tests");
    settings.ehloName = QStringLiteral("client.authshield.test");
    settings.caFile = sink.caFile();
    settings.timeout = std::chrono::seconds(5);
    return settings;
}

OutgoingMail sampleMail(const QString& to)
{
    OutgoingMail mail;
    mail.id = QStringLiteral("0b6f3c1e-0000-4000-8000-000000000001");
    mail.createdAt = QDateTime::currentDateTimeUtc();
    mail.message.to = to;
    mail.message.subject = QStringLiteral("Grüße aus dem Test");
    mail.message.text = QStringLiteral("line one\n.starts with a dot\n..two dots\nlast");
    mail.message.html = QStringLiteral("<p>hello</p>");
    mail.message.templateName = QStringLiteral("verify_email");
    return mail;
}

QByteArray json(const SmtpDiagnosticReport& report)
{
    return QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact);
}
} // namespace

// The SMTP client, transport and diagnostic against the test sink: each security mode, AUTH mechanism, and
// every step's failure with its classification.
class TestSmtp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dotStuffingProtectsLinesStartingWithADot_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("plain") << QByteArray("a\r\nb\r\n") << QByteArray("a\r\nb\r\n");
        QTest::addRow("leading dot") << QByteArray(".a\r\n") << QByteArray("..a\r\n");
        QTest::addRow("dot line") << QByteArray("a\r\n.\r\nb") << QByteArray("a\r\n..\r\nb\r\n");
        QTest::addRow("bare lf") << QByteArray("a\n.b\n") << QByteArray("a\r\n..b\r\n");
        QTest::addRow("bare cr") << QByteArray("a\rb") << QByteArray("a\r\nb\r\n");
    }

    void dotStuffingProtectsLinesStartingWithADot()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(SmtpClient::dotStuff(input), expected);
    }

    void settingsRejectEachBadFieldByName_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("field");
        QTest::addRow("bad port") << R"({"port": 70000})" << "port";
        QTest::addRow("bad security") << R"({"security": "ssl"})" << "security";
        QTest::addRow("bad from") << R"({"from_address": "nobody"})" << "from_address";
        QTest::addRow("bad reply-to") << R"({"reply_to": "x"})" << "reply_to";
        QTest::addRow("missing ca file") << R"({"ca_file": "/nonexistent/ca.pem"})" << "ca_file";
        QTest::addRow("bad timeout") << R"({"timeout_seconds": 0})" << "timeout_seconds";
        QTest::addRow("unknown field") << R"({"passwd": "x"})" << "passwd";
        QTest::addRow("host with space") << R"({"host": "mail example"})" << "host";
        QTest::addRow("header injection") << "{\"from_name\": \"a\\r\\nBcc: x@y\"}" << "from_name";
    }

    void settingsRejectEachBadFieldByName()
    {
        QFETCH(QString, change);
        QFETCH(QString, field);
        const Result<SmtpSettings> changed
            = SmtpSettings().changedBy(QJsonDocument::fromJson(change.toUtf8()).object());
        QVERIFY(!changed.ok());
        QCOMPARE(changed.error().code, authshield::ErrorCode::ValidationFailed);
        QVERIFY2(changed.error().fields.contains(field), qPrintable(changed.error().fields.keys().join(u',')));
    }

    void settingsNeverShowThePassword()
    {
        SmtpSettings settings;
        const Result<SmtpSettings> changed = settings.changedBy(QJsonObject{{"host", "mail.example.com"},
                                                                            {"from_address", "a@example.com"},
                                                                            {"password", kPassword},
                                                                            {"security", "tls"}});
        QVERIFY(changed.ok());
        QCOMPARE(changed->password, kPassword);
        QCOMPARE(changed->effectivePort(), 465);
        const QJsonObject shown = changed->toPublicJson();
        QCOMPARE(shown.value("password_set").toBool(), true);
        QVERIFY(!shown.contains("password"));
        QVERIFY(!QJsonDocument(shown).toJson().contains(kPassword.toUtf8()));
        // An absent password keeps it; an empty one clears it.
        QCOMPARE(changed->changedBy(QJsonObject{{"port", 2525}})->password, kPassword);
        QVERIFY(changed->changedBy(QJsonObject{{"password", ""}})->password.isEmpty());
    }

    void deliversInEverySecurityMode_data()
    {
        QTest::addColumn<SmtpSink::Mode>("mode");
        QTest::addColumn<SmtpSecurity>("security");
        QTest::addColumn<QString>("mechanism");
        QTest::addColumn<bool>("tls");
        QTest::addRow("plain, no auth") << SmtpSink::Mode::Plain << SmtpSecurity::None << "" << false;
        QTest::addRow("plain, AUTH PLAIN") << SmtpSink::Mode::Plain << SmtpSecurity::None << "PLAIN" << false;
        QTest::addRow("starttls, AUTH PLAIN") << SmtpSink::Mode::StartTls << SmtpSecurity::StartTls << "PLAIN" << true;
        QTest::addRow("starttls, AUTH LOGIN") << SmtpSink::Mode::StartTls << SmtpSecurity::StartTls << "LOGIN" << true;
        QTest::addRow("implicit tls, AUTH LOGIN")
            << SmtpSink::Mode::ImplicitTls << SmtpSecurity::ImplicitTls << "LOGIN" << true;
        QTest::addRow("opportunistic, offered") << SmtpSink::Mode::StartTls << SmtpSecurity::Opportunistic << "" << true;
        QTest::addRow("opportunistic, not offered")
            << SmtpSink::Mode::Plain << SmtpSecurity::Opportunistic << "" << false;
    }

    void deliversInEverySecurityMode()
    {
        QFETCH(SmtpSink::Mode, mode);
        QFETCH(SmtpSecurity, security);
        QFETCH(QString, mechanism);
        QFETCH(bool, tls);
        SmtpSink sink(mode);
        if (!mechanism.isEmpty()) {
            sink.setCredentials(kUser, kPassword);
            sink.setAuthMechanisms({mechanism});
        }
        QVERIFY(sink.start());
        SmtpSettings settings = settingsFor(sink, security);
        if (!mechanism.isEmpty()) {
            settings.username = kUser;
            settings.password = kPassword;
        }
        settings.replyTo = QStringLiteral("help@authshield.test");
        const OutgoingMail mail = sampleMail(QStringLiteral("bob@example.com"));
        const SmtpOutcome outcome = SmtpClient(settings).send(settings.fromAddress, QStringLiteral("bob@example.com"),
                                                              SmtpTransport::build(mail, settings));
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QVERIFY(sink.waitForMessages(1, 5000));
        const SmtpSink::Message received = sink.messages().first();
        QCOMPARE(received.from, settings.fromAddress);
        QCOMPARE(received.to, QStringList{QStringLiteral("bob@example.com")});
        QCOMPARE(received.tls, tls);
        QCOMPARE(received.authUser, mechanism.isEmpty() ? QString() : kUser);
        QCOMPARE(received.parsed.subject(), mail.message.subject); // RFC 2047 round trip
        QCOMPARE(received.parsed.header("reply-to"), settings.replyTo);
        QCOMPARE(received.parsed.header("from"), QStringLiteral("AuthShield Tests <no-reply@authshield.test>"));
        QCOMPARE(received.parsed.header("message-id"), QStringLiteral("<%1@authshield.test>").arg(mail.id));
        QVERIFY(!received.parsed.header("date").isEmpty());
        QVERIFY(received.parsed.header("content-type").startsWith(QStringLiteral("multipart/alternative")));
        QCOMPARE(received.parsed.text.trimmed(), QStringLiteral("line one\r\n.starts with a dot\r\n..two dots\r\nlast"));
        QCOMPARE(received.parsed.html.trimmed(), mail.message.html);
        for (const QString& command : sink.commandLog())
            QVERIFY2(!command.contains(kPassword) && !command.contains(QString::fromLatin1(kPassword.toUtf8().toBase64())),
                     qPrintable(command));
    }

    void eachStepsFailureIsReportedAndClassified_data()
    {
        QTest::addColumn<SmtpSink::Mode>("mode");
        QTest::addColumn<SmtpSink::Step>("step");
        QTest::addColumn<SmtpSink::Failure>("failure");
        QTest::addColumn<QString>("failedStep");
        QTest::addColumn<QString>("errorClass");
        QTest::addColumn<QString>("reply");
        QTest::addColumn<bool>("temporary");
        using M = SmtpSink::Mode;
        using S = SmtpSink::Step;
        using F = SmtpSink::Failure;
        QTest::addRow("greeting 4xx") << M::StartTls << S::Greeting << F::Temporary << "greeting" << "connect"
                                      << "421 4.3.2 sink busy, try later" << true;
        QTest::addRow("greeting dropped") << M::StartTls << S::Greeting << F::Drop << "greeting" << "connect" << ""
                                          << true;
        QTest::addRow("ehlo 5xx") << M::StartTls << S::Ehlo << F::Permanent << "ehlo" << "connect"
                                  << "550 5.7.1 sink refuses EHLO" << true;
        QTest::addRow("starttls 4xx") << M::StartTls << S::StartTls << F::Temporary << "starttls" << "tls"
                                      << "454 4.7.0 TLS not available now" << true;
        QTest::addRow("starttls untrusted certificate")
            << M::StartTls << S::Tls << F::BadCertificate << "starttls" << "tls" << "220 2.0.0 ready to start TLS" << true;
        QTest::addRow("implicit tls untrusted certificate")
            << M::ImplicitTls << S::Tls << F::BadCertificate << "tls" << "tls" << "" << true;
        QTest::addRow("auth 5xx") << M::StartTls << S::Auth << F::Permanent << "auth" << "auth"
                                  << "535 5.7.8 authentication credentials invalid" << true;
        QTest::addRow("auth 4xx") << M::StartTls << S::Auth << F::Temporary << "auth" << "auth"
                                  << "454 4.7.0 temporary authentication failure" << true;
        QTest::addRow("mail from 4xx") << M::StartTls << S::MailFrom << F::Temporary << "mail_from" << "temporary"
                                       << "451 4.3.0 sender check failed, try later" << true;
        QTest::addRow("mail from 5xx") << M::StartTls << S::MailFrom << F::Permanent << "mail_from" << "permanent"
                                       << "550 5.1.0 sender rejected" << false;
        QTest::addRow("rcpt to 4xx") << M::StartTls << S::RcptTo << F::Temporary << "rcpt_to" << "temporary"
                                     << "450 4.2.0 mailbox busy" << true;
        QTest::addRow("rcpt to 5xx") << M::StartTls << S::RcptTo << F::Permanent << "rcpt_to" << "rejected_recipient"
                                     << "550 5.1.1 no such user here" << false;
        QTest::addRow("data 4xx") << M::StartTls << S::Data << F::Temporary << "data" << "temporary"
                                  << "451 4.3.0 sink cannot take it now" << true;
        QTest::addRow("data 5xx") << M::StartTls << S::Data << F::Permanent << "data" << "permanent"
                                  << "554 5.6.0 sink rejects the message" << false;
        QTest::addRow("data dropped") << M::StartTls << S::Data << F::Drop << "data" << "temporary" << "" << true;
    }

    void eachStepsFailureIsReportedAndClassified()
    {
        QFETCH(SmtpSink::Mode, mode);
        QFETCH(SmtpSink::Step, step);
        QFETCH(SmtpSink::Failure, failure);
        QFETCH(QString, failedStep);
        QFETCH(QString, errorClass);
        QFETCH(QString, reply);
        QFETCH(bool, temporary);
        SmtpSink sink(mode);
        sink.setCredentials(kUser, kPassword);
        sink.failAt(step, failure);
        QVERIFY(sink.start());
        SmtpSettings settings = settingsFor(
            sink, mode == SmtpSink::Mode::ImplicitTls ? SmtpSecurity::ImplicitTls : SmtpSecurity::StartTls);
        settings.username = kUser;
        settings.password = kPassword;

        const SmtpDiagnosticReport report = SmtpDiagnostics::runBlocking(settings, QStringLiteral("carol@example.com"));
        QVERIFY(!report.ok);
        QCOMPARE(report.failedStep, failedStep);
        QCOMPARE(report.errorClass, errorClass);
        const SmtpStep* failed = report.step(failedStep);
        QVERIFY(failed);
        QVERIFY(!failed->ok);
        if (!reply.isEmpty())
            QCOMPARE(failed->reply, reply);
        QVERIFY(!json(report).contains(kPassword.toUtf8()));
        QVERIFY(sink.messages().isEmpty());
        // The steps before the failure passed and are reported too.
        QVERIFY(report.step(QStringLiteral("dns")) && report.step(QStringLiteral("dns"))->ok);
        QVERIFY(report.step(QStringLiteral("connect")) && report.step(QStringLiteral("connect"))->ok);

        // The transport turns the same classification into retry (ServiceUnavailable) or give up.
        QTemporaryDir dir;
        FileMailTransport files(dir.path(), settings.fromAddress);
        SmtpTransport transport([settings] { return settings; }, files);
        const Result<void> delivered = transport.deliver(sampleMail(QStringLiteral("carol@example.com")));
        QVERIFY(!delivered.ok());
        QCOMPARE(MailTransport::isTemporary(delivered.error()), temporary);
        QVERIFY(!delivered.error().message.contains(kPassword));
    }

    void successfulTestSendReportsEveryStep()
    {
        SmtpSink sink(SmtpSink::Mode::StartTls);
        sink.setCredentials(kUser, kPassword);
        QVERIFY(sink.start());
        SmtpSettings settings = settingsFor(sink, SmtpSecurity::StartTls);
        settings.username = kUser;
        settings.password = kPassword;
        const SmtpDiagnosticReport report = SmtpDiagnostics::runBlocking(settings, QStringLiteral("dan@example.com"));
        QVERIFY2(report.ok, qPrintable(report.message));
        QStringList names;
        for (const SmtpStep& step : report.steps) {
            names.append(step.name);
            QVERIFY(step.ok);
            QVERIFY(step.durationMs >= 0);
        }
        QCOMPARE(names, (QStringList{"dns", "connect", "greeting", "ehlo", "starttls", "ehlo", "auth", "mail_from",
                                     "rcpt_to", "data"}));
        QCOMPARE(report.step("greeting")->reply, QStringLiteral("220 localhost ESMTP AuthShield test sink"));
        QCOMPARE(report.step("auth")->reply, QStringLiteral("235 2.7.0 authentication successful"));
        const SmtpStep* tls = report.step("starttls");
        QCOMPARE(tls->extra.value("subject").toString(), QStringLiteral("AuthShield test SMTP sink"));
        const QDateTime expires = QDateTime::fromString(tls->extra.value("expires").toString(), Qt::ISODate);
        QVERIFY(expires > QDateTime::currentDateTimeUtc());
        QVERIFY(!json(report).contains(kPassword.toUtf8()));
        QVERIFY(sink.waitForMessages(1, 5000));
        QCOMPARE(sink.messages().first().parsed.subject(), QStringLiteral("AuthShield SMTP test"));
        QCOMPARE(sink.messages().first().parsed.header("x-authshield-template"), QStringLiteral("smtp_test"));
    }

    void unreachableHostsFailAtDnsOrConnect()
    {
        SmtpSettings settings;
        settings.host = QStringLiteral("no-such-host.invalid");
        settings.fromAddress = QStringLiteral("a@example.com");
        settings.timeout = std::chrono::seconds(5);
        SmtpDiagnosticReport report = SmtpDiagnostics::runBlocking(settings, QStringLiteral("x@example.com"));
        QCOMPARE(report.failedStep, QStringLiteral("dns"));
        QCOMPARE(report.errorClass, QStringLiteral("dns"));

        SmtpSink sink;
        QVERIFY(sink.start());
        settings.host = QStringLiteral("127.0.0.1");
        settings.port = sink.port();
        sink.stop(); // the port is closed now
        report = SmtpDiagnostics::runBlocking(settings, QStringLiteral("x@example.com"));
        QCOMPARE(report.failedStep, QStringLiteral("connect"));
        QCOMPARE(report.errorClass, QStringLiteral("connect"));
    }

    void requiredStartTlsRefusesAPlainServer()
    {
        SmtpSink sink(SmtpSink::Mode::Plain);
        QVERIFY(sink.start());
        const SmtpDiagnosticReport report
            = SmtpDiagnostics::runBlocking(settingsFor(sink, SmtpSecurity::StartTls), QStringLiteral("x@example.com"));
        QCOMPARE(report.failedStep, QStringLiteral("starttls"));
        QCOMPARE(report.errorClass, QStringLiteral("tls"));
        QVERIFY(sink.messages().isEmpty());
    }

    void asyncDiagnosticAnswersOnTheCallersThread()
    {
        SmtpSink sink(SmtpSink::Mode::ImplicitTls);
        QVERIFY(sink.start());
        QObject context;
        std::optional<SmtpDiagnosticReport> answer;
        QThread* answeredOn = nullptr;
        SmtpDiagnostics::runAsync(settingsFor(sink, SmtpSecurity::ImplicitTls), {}, &context,
                                  [&](const SmtpDiagnosticReport& report) {
                                      answer = report;
                                      answeredOn = QThread::currentThread();
                                  });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 10000);
        QVERIFY2(answer->ok, qPrintable(answer->message));
        QCOMPARE(answeredOn, QThread::currentThread());
        QVERIFY(answer->step("tls"));
        QVERIFY(!answer->step("mail_from")); // a check sends no mail
        QVERIFY(sink.messages().isEmpty());
    }

    void noHostFallsBackToFiles()
    {
        QTemporaryDir dir;
        FileMailTransport files(dir.path(), QStringLiteral("a@example.com"));
        SmtpTransport transport([] { return SmtpSettings(); }, files);
        QCOMPARE(transport.name(), QStringLiteral("file"));
        QVERIFY(transport.deliver(sampleMail(QStringLiteral("eve@example.com"))).ok());
        QCOMPARE(QDir(dir.path()).entryList({"*.eml"}, QDir::Files).size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSmtp)
#include "tst_smtp.moc"
