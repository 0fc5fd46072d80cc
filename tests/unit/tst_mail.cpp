#include "server/mail/FileMailTransport.h"
#include "server/mail/MailTemplates.h"
#include "server/mail/MimeMessage.h"
#include "tests/support/MailFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield::server;
using authshield::test::MailFile;

namespace {

const QDateTime kCreated = QDateTime(QDate(2026, 3, 7), QTime(9, 5, 1, 250), Qt::UTC);

OutgoingMail outgoing(const MailMessage& message)
{
    return OutgoingMail { QStringLiteral("0b5e1c4e-4c1a-4b7e-9d64-2f7c7f0f4a11"), kCreated, message };
}

MailMessage sampleMessage()
{
    MailMessage message;
    message.to = QStringLiteral("alice@example.com");
    message.subject = QStringLiteral("Bestätigen Sie Ihre E-Mail-Adresse – jetzt 🔐");
    message.text = QStringLiteral("Grüße,\nline with trailing space \n= sign and a very long line that goes on and on "
                                  "well past the seventy-six characters a quoted-printable line may hold\n.dot first");
    message.html = QStringLiteral("<p>Grüße &amp; <b>hallo</b></p>");
    message.templateName = QStringLiteral("verify_email");
    return message;
}

} // namespace

class TestMail : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void templatesEscapeValuesOnlyInHtml()
    {
        const auto rendered = MailTemplates::render(
            QStringLiteral("email_change_notice"), QStringLiteral("old@example.com"),
            { { QStringLiteral("display_name"), QStringLiteral("<script>alert(1)</script> & \"Bob\"") },
              { QStringLiteral("old_email"), QStringLiteral("old@example.com") },
              { QStringLiteral("new_email"), QStringLiteral("new@example.com") },
              { QStringLiteral("time"), QStringLiteral("2026-03-07 09:05 UTC") } });
        QVERIFY2(rendered.ok(), rendered.ok() ? "" : qPrintable(rendered.error().message));
        QCOMPARE(rendered->subject, QStringLiteral("Your email address was changed"));
        QCOMPARE(rendered->to, QStringLiteral("old@example.com"));
        QVERIFY(rendered->text.contains(QStringLiteral("Hello <script>alert(1)</script> & \"Bob\",")));
        QVERIFY(rendered->html.contains(
            QStringLiteral("Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot;,")));
        QVERIFY(!rendered->html.contains(QStringLiteral("<script>")));
        QVERIFY(!rendered->text.contains(QStringLiteral("{{")));
        QVERIFY(!rendered->html.contains(QStringLiteral("{{")));
    }

    void everyTemplateRenders_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("subject");
        QTest::addRow("verify_email") << "verify_email"
                                      << "Confirm your email address";
        QTest::addRow("account_exists") << "account_exists"
                                        << "Someone tried to register with your email address";
        QTest::addRow("password_reset") << "password_reset"
                                        << "Reset your password";
        QTest::addRow("password_changed") << "password_changed"
                                          << "Your password was changed";
        QTest::addRow("email_change_verify") << "email_change_verify"
                                             << "Confirm your new email address";
        QTest::addRow("email_change_notice") << "email_change_notice"
                                             << "Your email address was changed";
        QTest::addRow("smtp_test") << "smtp_test"
                                   << "AuthShield SMTP test";
        QTest::addRow("admin_invite") << "admin_invite"
                                      << "You have been invited to AuthShield";
        QTest::addRow("mfa_reset") << "mfa_reset"
                                   << "Your two-factor authentication was reset";
    }

    void everyTemplateRenders()
    {
        QFETCH(QString, name);
        QFETCH(QString, subject);
        MailTemplates::Values values;
        for (const char* key : { "email", "link", "valid_for", "reset_url", "display_name", "time", "sessions_note",
                                 "new_email", "old_email", "host", "port", "security", "sent_at", "inviter" })
            values.insert(QString::fromLatin1(key), QStringLiteral("value-of-") + QString::fromLatin1(key));
        const auto rendered = MailTemplates::render(name, QStringLiteral("a@example.com"), values);
        QVERIFY2(rendered.ok(), rendered.ok() ? "" : qPrintable(rendered.error().message));
        QCOMPARE(rendered->subject, subject);
        QCOMPARE(rendered->templateName, name);
        QVERIFY(!rendered->text.trimmed().isEmpty());
        QVERIFY(rendered->html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    }

    void missingValueFailsInsteadOfSendingBraces()
    {
        const auto rendered = MailTemplates::substitute(QStringLiteral("Open {{link}} now"), {}, false);
        QVERIFY(!rendered.ok());
        QVERIFY(rendered.error().message.contains(QStringLiteral("{{link}}")));
        QVERIFY(!MailTemplates::render(QStringLiteral("no_such_template"), QStringLiteral("a@example.com"), {}).ok());
    }

    void emlParsesBackToTheSameMail()
    {
        const MailMessage message = sampleMessage();
        MimeMessage::Envelope envelope { QStringLiteral("AuthShield <no-reply@auth.example.com>"),
                                         QStringLiteral("abc-123@auth.example.com"), kCreated };
        const QByteArray bytes = MimeMessage::build(message, envelope);
        const MailFile mail = MailFile::parse(bytes);

        QCOMPARE(mail.header("date"), QStringLiteral("Sat, 07 Mar 2026 09:05:01 +0000"));
        QCOMPARE(mail.header("message-id"), QStringLiteral("<abc-123@auth.example.com>"));
        QCOMPARE(mail.header("from"), QStringLiteral("AuthShield <no-reply@auth.example.com>"));
        QCOMPARE(mail.to(), QStringLiteral("alice@example.com"));
        QCOMPARE(mail.header("mime-version"), QStringLiteral("1.0"));
        QVERIFY(mail.header("content-type").startsWith(QStringLiteral("multipart/alternative; boundary=")));
        QCOMPARE(mail.subject(), message.subject);
        QCOMPARE(mail.text, QString(message.text).replace(QStringLiteral("\n"), QStringLiteral("\r\n")));
        QCOMPARE(mail.html, message.html);
        QCOMPARE(mail.textTransferEncoding, QByteArray("quoted-printable"));
        QCOMPARE(mail.htmlTransferEncoding, QByteArray("quoted-printable"));
    }

    void wireFormatFollowsTheRfcs()
    {
        MimeMessage::Envelope envelope { QStringLiteral("AuthShield <no-reply@localhost>"),
                                         QStringLiteral("x@localhost"), kCreated };
        const QByteArray bytes = MimeMessage::build(sampleMessage(), envelope);
        // 7-bit clean, CRLF only, no line longer than 78 characters (RFC 5322 §2.1.1).
        for (const char c : bytes)
            QVERIFY(static_cast<unsigned char>(c) < 128);
        QVERIFY(!bytes.contains("\r\r"));
        QCOMPARE(bytes.count("\n"), bytes.count("\r\n"));
        for (const QByteArray& line : bytes.split('\n'))
            QVERIFY2(line.size() <= 78, line.constData());
        // The subject is RFC 2047 encoded-words, each at most 75 characters.
        const qsizetype subjectAt = bytes.indexOf("\r\nSubject: ");
        QVERIFY(subjectAt > 0);
        QVERIFY(bytes.mid(subjectAt + 11, 10) == "=?UTF-8?B?");
        // Trailing whitespace and a leading dot never travel bare in quoted-printable.
        QVERIFY(bytes.contains("trailing space=20\r\n"));
        QVERIFY(bytes.contains("\r\n=2Edot first"));
        QVERIFY(!bytes.contains("\r\n.dot"));
    }

    void asciiSubjectStaysReadable()
    {
        QCOMPARE(MimeMessage::encodeHeaderText(QStringLiteral("Reset your password")),
                 QByteArray("Reset your password"));
        QCOMPARE(MimeMessage::encodeHeaderText(QStringLiteral("Evil\r\nBcc: x@y")), QByteArray("Evil Bcc: x@y"));
        QCOMPARE(MailFile::decodeHeader(MimeMessage::encodeHeaderText(QStringLiteral("Grüße"))),
                 QStringLiteral("Grüße"));
        QCOMPARE(MimeMessage::encodeMailbox(QStringLiteral("Müller, Anna <anna@example.com>")).left(10),
                 QByteArray("=?UTF-8?B?"));
        QCOMPARE(MimeMessage::encodeMailbox(QStringLiteral("Ops, Team <ops@example.com>")),
                 QByteArray("\"Ops, Team\" <ops@example.com>"));
    }

    void fileTransportWritesOnePrivateFileAtomically()
    {
        QTemporaryDir root;
        const QString dir = root.filePath(QStringLiteral("mail"));
        FileMailTransport transport(dir, QStringLiteral("AuthShield <no-reply@localhost>"));
        const OutgoingMail mail = outgoing(sampleMessage());
        QVERIFY(transport.deliver(mail).ok());
        const QStringList files = QDir(dir).entryList(QDir::Files | QDir::Hidden);
        QCOMPARE(files, QStringList { FileMailTransport::fileName(mail) }); // no temporary file left behind
        QVERIFY(files.first().endsWith(QStringLiteral("-0b5e1c4e-4c1a-4b7e-9d64-2f7c7f0f4a11.eml")));
        QFile file(QDir(dir).filePath(files.first()));
        QCOMPARE(file.permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const MailFile parsed = MailFile::parse(file.readAll());
        QCOMPARE(parsed.header("message-id"), QStringLiteral("<0b5e1c4e-4c1a-4b7e-9d64-2f7c7f0f4a11@localhost>"));
        QCOMPARE(parsed.subject(), sampleMessage().subject);

        // A redelivery after a crash replaces the same file instead of adding a second mail.
        QVERIFY(transport.deliver(mail).ok());
        QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }

    void unwritableDirectoryIsATemporaryFailure()
    {
        QTemporaryDir root;
        const QString blocked = root.filePath(QStringLiteral("mail"));
        QFile blocker(blocked); // a file where the directory should be
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        FileMailTransport transport(blocked, QStringLiteral("AuthShield <no-reply@localhost>"));
        const auto delivered = transport.deliver(outgoing(sampleMessage()));
        QVERIFY(!delivered.ok());
        QVERIFY(MailTransport::isTemporary(delivered.error()));
    }
};

QTEST_GUILESS_MAIN(TestMail)
#include "tst_mail.moc"
