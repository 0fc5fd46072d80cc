#include "tests/support/BackendFixture.h"
#include "tests/support/PostgresInstance.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/SmtpSink.h"
#include "tests/support/TestHttpClient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace authshield::test;

namespace {
const QString kAdminEmail = QStringLiteral("admin@example.test");
const QByteArray kAdminPassword = "Correct-Horse-Battery-42";
const QString kPublicUrl = QStringLiteral("https://auth.example.test");

uint modeOf(const QString& path)
{
    struct stat info = {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return uint(info.st_mode) & 07777u;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
    file.close();
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
}

// A loopback port nothing listens on (bound, then released).
quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

// Sets an option's value, or appends the option.
QStringList withOption(QStringList arguments, const QString& option, const QString& value)
{
    const qsizetype at = arguments.indexOf(option);
    if (at >= 0)
        arguments[at + 1] = value;
    else
        arguments << option << value;
    return arguments;
}
} // namespace

// `authshield-server setup --non-interactive` against the harness's storage: the config it writes starts a
// production server that is ready and lets the administrator in; every dependency failure says what to fix.
class TestSetupWizard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_backend.start()); }

    void setupWritesAConfigThatServes()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("etc/authshield.conf"));
        const QString data = dir.filePath(QStringLiteral("data"));
        const QString passwordFile = dir.filePath(QStringLiteral("admin.pw"));
        QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("etc"))));
        writeFile(passwordFile, kAdminPassword + "\n");
        SmtpSink sink(SmtpSink::Mode::Plain);
        QVERIFY(sink.start());
        QStringList arguments = baseArguments(config, data, databaseUrl(QStringLiteral("setup_full")))
            + QStringList{"--admin-email", kAdminEmail, "--admin-password-file", passwordFile, "--smtp-security", "none",
                          "--smtp-port", QString::number(sink.port())};
        arguments = withOption(arguments, "--smtp-host", "127.0.0.1");

        const CommandResult first = ServerProcess::runCommand(arguments, {});
        QVERIFY2(first.exitCode == 0, first.out + first.err);
        QVERIFY2(first.out.contains("check-config: no problems"), first.out.constData());
        QVERIFY2(first.out.contains("created the administrator admin@example.test"), first.out.constData());
        if (m_backend.isPostgres())
            QVERIFY2(first.out.contains("created the database \"setup_full\""), first.out.constData());

        // The config: 0640, production, secrets only by reference; the secrets: 0600 in a 0700 directory.
        const QString secrets = dir.filePath(QStringLiteral("etc/secrets"));
        QCOMPARE(modeOf(config), 0640u);
        QCOMPARE(modeOf(secrets), 0700u);
        const QByteArray written = readAll(config);
        QVERIFY(written.contains("profile = prod"));
        QVERIFY(written.contains("public_url = https://auth.example.test"));
        QVERIFY(written.contains("api_docs = false"));
        QVERIFY(written.contains("\nhost = 127.0.0.1\n"));
        QVERIFY(written.contains("\nport = " + QByteArray::number(sink.port()) + "\n"));
        QVERIFY(written.contains("\nsecurity = none\n"));
        QVERIFY(written.contains("encryption_key_file = " + secrets.toUtf8() + "/encryption.key"));
        QVERIFY(written.contains("bearer_token_file = " + secrets.toUtf8() + "/metrics_bearer_token"));
        QVERIFY2(written.contains("# Precedence: built-in defaults"), "the commented defaults are kept");
        for (const char* name : {"encryption.key", "metrics_bearer_token"})
            QCOMPARE(modeOf(secrets + QLatin1Char('/') + QLatin1String(name)), 0600u);
        if (m_backend.isPostgres()) {
            // The password given in the URL moved into a secret file; the config never holds it.
            QVERIFY(!written.contains("wizard-db-secret"));
            QCOMPARE(readAll(secrets + QStringLiteral("/database_password")), QByteArray("wizard-db-secret\n"));
            QCOMPARE(modeOf(secrets + QStringLiteral("/database_password")), 0600u);
            QVERIFY(written.contains("url = " + m_backend.redis()->url().toUtf8()));
        }
        const QByteArray key = readAll(secrets + QStringLiteral("/encryption.key"));
        QCOMPARE(QByteArray::fromBase64(key.trimmed()).size(), 32);

        {
            ServerProcess server({{"AUTHSHIELD_ENV", "prod"}}, {"--config", config});
            server.setDataDir(data);
            QVERIFY2(server.start(), server.log().constData());
            TestHttpClient client(server.port());
            const TestResponse ready = client.get("/ready");
            QVERIFY2(ready.status == 200, ready.body.constData());
            QVERIFY2(ready.body.contains("\"smtp\""), ready.body.constData()); // the mail worker uses the sink
            const TestResponse login = client.postJson(
                "/api/v1/auth/login", {{"email", kAdminEmail}, {"password", QString::fromUtf8(kAdminPassword)}});
            QVERIFY2(login.status == 200, login.body.constData());
            QVERIFY(!login.json().value(QStringLiteral("access_token")).toString().isEmpty());
            QCOMPARE(server.stop(), 0);
        }

        // Again, with the same answers: nothing is replaced, the administrator is kept.
        const CommandResult again = ServerProcess::runCommand(arguments, {});
        QVERIFY2(again.exitCode == 0, again.out + again.err);
        QVERIFY2(again.out.contains("already an administrator; nothing changed"), again.out.constData());
        QVERIFY2(again.out.contains("unchanged"), again.out.constData());
        QCOMPARE(readAll(secrets + QStringLiteral("/encryption.key")), key);
        QCOMPARE(readAll(config), written);

        // Without any answers at all the existing config supplies them (what an operator re-running it gets).
        const CommandResult bare = ServerProcess::runCommand(
            {"setup", "--non-interactive", "--config-out", config}, {});
        QVERIFY2(bare.exitCode == 0, bare.out + bare.err);
        QVERIFY2(bare.out.contains("kept the existing administrator(s) (1)"), bare.out.constData());
        QCOMPARE(readAll(config), written);
    }

    void interactiveAnswersFromTheTerminal()
    {
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("authshield.conf"));
        const QString data = dir.filePath(QStringLiteral("data"));
        const QString database = databaseUrl(QStringLiteral("setup_interactive"));
        // data dir, public URL, listen, database, Redis, SMTP host, mail from, [create database], admin, password
        QByteArray answers = data.toUtf8() + "\n" + kPublicUrl.toUtf8() + "\n127.0.0.1:0\n" + database.toUtf8() + "\n"
            + redisUrl().toUtf8() + "\nnone\n\n";
        if (m_backend.isPostgres())
            answers += "y\n";
        answers += kAdminEmail.toUtf8() + "\n" + kAdminPassword + "\n";
        const CommandResult result = ServerProcess::runCommand({"setup", "--config-out", config}, {}, answers);
        QVERIFY2(result.exitCode == 0, result.out + result.err);
        QVERIFY2(result.out.contains("Public URL (the https:// address clients and mail links use) []"),
                 result.out.constData());
        QVERIFY2(result.out.contains("created the administrator admin@example.test"), result.out.constData());
        QVERIFY(readAll(config).contains("data_dir = " + data.toUtf8()));
    }

    void asRootFilesGoToTheServiceUser()
    {
        if (::geteuid() != 0)
            QSKIP("needs root, as a package installation has");
        const passwd* nobody = ::getpwnam("nobody");
        QVERIFY(nobody);
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("authshield.conf"));
        const QString data = dir.filePath(QStringLiteral("data"));
        const CommandResult result = ServerProcess::runCommand(
            baseArguments(config, data, {}) + QStringList{"--admin-email", kAdminEmail, "--service-user", "nobody"},
            {}, kAdminPassword + "\n");
        QVERIFY2(result.exitCode == 0, result.out + result.err);
        // The service reads the config through its group and owns its secrets and data; root keeps the config.
        struct stat info = {};
        QCOMPARE(::stat(QFile::encodeName(config).constData(), &info), 0);
        QCOMPARE(info.st_uid, 0u);
        QCOMPARE(info.st_gid, nobody->pw_gid);
        for (const QString& path : {dir.filePath(QStringLiteral("secrets/encryption.key")), dir.filePath("secrets"),
                                    data, data + QStringLiteral("/authshield.db")}) {
            QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
            QVERIFY2(info.st_uid == nobody->pw_uid, qPrintable(path));
        }
        QCOMPARE(info.st_mode & 0777u, 0600u); // the SQLite database is the service's alone
    }

    void dependencyDown_data()
    {
        QTest::addColumn<QStringList>("overrides");
        QTest::addColumn<QString>("message");
        const QString port = QString::number(closedPort());
        QTest::addRow("database port closed")
            << QStringList{"--database-url", "postgresql://authshield:pw@127.0.0.1:" + port + "/authshield"}
            << "setup: nothing accepts connections at 127.0.0.1:" + port
                   + ": check the host and port in --database-url and that PostgreSQL is running";
        QTest::addRow("redis port closed") << QStringList{"--redis-url", "redis://127.0.0.1:" + port + "/0"}
                                           << "setup: nothing accepts connections at 127.0.0.1:" + port
                                                  + ": check the host and port in --redis-url and that redis-server "
                                                    "is running";
        QTest::addRow("smtp port closed")
            << QStringList{"--smtp-host", "127.0.0.1", "--smtp-port", port, "--smtp-security", "none"}
            << "setup: SMTP: nothing accepts connections at 127.0.0.1:" + port;
        QTest::addRow("public url without tls") << QStringList{"--public-url", "http://auth.example.test"}
                                                << "setup: the public URL \"http://auth.example.test\" is not https";
        QTest::addRow("database url unusable") << QStringList{"--database-url", "mysql://db/authshield"}
                                               << "setup: the database URL is not usable";
    }
    void dependencyDown()
    {
        QFETCH(QStringList, overrides);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("authshield.conf"));
        QStringList arguments = baseArguments(config, dir.filePath(QStringLiteral("data")),
                                              QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("a.db")))
            + QStringList{"--admin-email", kAdminEmail};
        for (qsizetype i = 0; i + 1 < overrides.size(); i += 2)
            arguments = withOption(arguments, overrides.at(i), overrides.at(i + 1));
        const CommandResult result = ServerProcess::runCommand(arguments, {}, kAdminPassword + "\n");
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
        QVERIFY2(!QFile::exists(config), "nothing is written when a check fails");
    }

    void postgresRefusals_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("message");
        QTest::addRow("unknown user") << "nobody_here" << "has no user nobody_here: create it with sudo -u postgres "
                                                          "createuser --pwprompt nobody_here";
    }
    void postgresRefusals()
    {
        if (!m_backend.isPostgres())
            QSKIP("needs the PostgreSQL backend");
        QFETCH(QString, user);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString url = QStringLiteral("postgresql://%1@127.0.0.1:%2/authshield")
                                .arg(user)
                                .arg(m_backend.postgres()->port());
        const CommandResult result = ServerProcess::runCommand(
            baseArguments(dir.filePath(QStringLiteral("a.conf")), dir.filePath(QStringLiteral("data")), url), {});
        QCOMPARE(result.exitCode, 1);
        const QString expected = QStringLiteral("PostgreSQL at 127.0.0.1:%1 ").arg(m_backend.postgres()->port())
            + message;
        QVERIFY2(QString::fromUtf8(result.err).contains(expected), result.err.constData());
    }

    void redisRefusesTheLogin_data()
    {
        QTest::addColumn<QString>("credentials");
        QTest::addColumn<QString>("message");
        QTest::addRow("wrong password") << ":wrong-password@" << "refused the password: check the password in --redis-url";
        QTest::addRow("no password") << "" << "needs a password: give it in --redis-url as redis://:password@127.0.0.1:";
    }
    void redisRefusesTheLogin()
    {
        QFETCH(QString, credentials);
        QFETCH(QString, message);
        RedisInstance secured(QStringLiteral("the-right-password"));
        QVERIFY2(secured.start(), qPrintable(secured.lastError()));
        QTemporaryDir dir;
        const QString url = "redis://" + credentials + "127.0.0.1:" + QString::number(secured.port()) + "/0";
        QStringList arguments = baseArguments(dir.filePath(QStringLiteral("a.conf")),
                                              dir.filePath(QStringLiteral("data")), {});
        arguments[arguments.indexOf("--redis-url") + 1] = url;
        const CommandResult result = ServerProcess::runCommand(arguments, {});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains("setup: Redis at 127.0.0.1:" + QByteArray::number(secured.port()) + " "
                                     + message.toUtf8()),
                 result.err.constData());
        QVERIFY(!result.err.contains("wrong-password"));
    }

    void redisStoppedIsReported()
    {
        if (!m_backend.isPostgres())
            QSKIP("needs the harness's Redis");
        QTemporaryDir dir;
        const quint16 port = m_backend.redis()->port();
        m_backend.redis()->stop();
        const CommandResult result = ServerProcess::runCommand(
            baseArguments(dir.filePath(QStringLiteral("a.conf")), dir.filePath(QStringLiteral("data")),
                          QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("a.db"))),
            {});
        QVERIFY(m_backend.redis()->start());
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains("setup: nothing accepts connections at 127.0.0.1:" + QByteArray::number(port)),
                 result.err.constData());
    }

    void redisWithoutPersistenceWarns()
    {
        if (!m_backend.isPostgres())
            QSKIP("needs the harness's Redis");
        QTemporaryDir dir;
        const CommandResult result = ServerProcess::runCommand(
            baseArguments(dir.filePath(QStringLiteral("a.conf")), dir.filePath(QStringLiteral("data")),
                          QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("a.db")))
                + QStringList{"--admin-email", kAdminEmail},
            {}, kAdminPassword + "\n");
        QVERIFY2(result.exitCode == 0, result.out + result.err);
        // The harness runs Redis without AOF or snapshots, as a careless production setup might.
        QVERIFY2(result.err.contains("has persistence off (appendonly no, no save points)"), result.err.constData());
    }

    void smtpServerIsChecked_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("security");
        QTest::addColumn<QString>("password"); // the sink wants mailer / s3cret when set
        QTest::addColumn<bool>("trustSinkCa");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const int plain = int(SmtpSink::Mode::Plain);
        const int startTls = int(SmtpSink::Mode::StartTls);
        QTest::addRow("plain smtp accepted") << plain << "none" << "" << false << 0 << "accepts EHLO";
        QTest::addRow("starttls with a private CA and login")
            << startTls << "starttls" << "s3cret" << true << 0 << "accepts EHLO with TLS and the login";
        QTest::addRow("certificate not trusted")
            << startTls << "starttls" << "" << false << 1
            << "setup: SMTP: TLS with localhost:%1 failed";
        QTest::addRow("wrong password") << plain << "none" << "wrong" << false << 1
                                        << "setup: SMTP: localhost:%1 refused the login of \"mailer\"";
        QTest::addRow("starttls not offered") << plain << "starttls" << "" << false << 1
                                              << "does not offer STARTTLS";
    }
    void smtpServerIsChecked()
    {
        QFETCH(int, mode);
        QFETCH(QString, security);
        QFETCH(QString, password);
        QFETCH(bool, trustSinkCa);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        SmtpSink sink(static_cast<SmtpSink::Mode>(mode));
        if (!password.isEmpty())
            sink.setCredentials("mailer", "s3cret");
        QVERIFY(sink.start());
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("a.conf"));
        QStringList arguments
            = baseArguments(config, dir.filePath(QStringLiteral("data")),
                            QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("a.db")))
            + QStringList{"--smtp-port", QString::number(sink.port()), "--smtp-security", security, "--admin-email",
                          kAdminEmail};
        arguments = withOption(arguments, "--smtp-host", "localhost");
        if (!password.isEmpty()) {
            writeFile(dir.filePath("smtp.pw"), password.toUtf8() + "\n");
            arguments << "--smtp-user" << "mailer" << "--smtp-password-file" << dir.filePath("smtp.pw");
        }
        if (trustSinkCa)
            arguments << "--smtp-ca-file" << sink.caFile();
        const CommandResult result = ServerProcess::runCommand(arguments, {}, kAdminPassword + "\n");
        QCOMPARE(result.exitCode, exitCode);
        const QString output = QString::fromUtf8(result.out + result.err);
        const QString expected = message.contains(QStringLiteral("%1")) ? message.arg(sink.port()) : message;
        QVERIFY2(output.contains(expected), qPrintable(output));
        QVERIFY(sink.connectionCount() >= 1);
        QVERIFY2(!output.contains("s3cret"), "the SMTP password is never printed");
        if (exitCode == 0 && !password.isEmpty()) {
            // The password went into a 0600 file the config points to.
            const QByteArray written = readAll(config);
            QVERIFY(!written.contains("s3cret"));
            QVERIFY(written.contains("password_file = " + dir.filePath("secrets/smtp_password").toUtf8()));
            QCOMPARE(readAll(dir.filePath("secrets/smtp_password")), QByteArray("s3cret\n"));
            QCOMPARE(modeOf(dir.filePath("secrets/smtp_password")), 0600u);
        }
    }

private:
    QString databaseUrl(const QString& name)
    {
        if (!m_backend.isPostgres())
            return {};
        // Trust authentication in the harness accepts any password: enough to see where setup puts it.
        return QStringLiteral("postgresql://postgres:wizard-db-secret@127.0.0.1:%1/%2")
            .arg(m_backend.postgres()->port())
            .arg(name);
    }
    QString redisUrl() { return m_backend.isPostgres() ? m_backend.redis()->url() : QStringLiteral("none"); }

    QStringList baseArguments(const QString& config, const QString& data, const QString& database)
    {
        QStringList arguments = {"setup",        "--non-interactive", "--config-out", config,     "--data-dir",
                                 data,           "--public-url",      kPublicUrl,     "--listen", "127.0.0.1:0",
                                 "--redis-url",  redisUrl(),
                                 "--smtp-host",  "none"};
        if (!database.isEmpty())
            arguments << "--database-url" << database;
        else
            arguments << "--database-url" << "sqlite://" + data + "/authshield.db";
        return arguments;
    }

    BackendFixture m_backend;
};

QTEST_GUILESS_MAIN(TestSetupWizard)
#include "tst_setup_wizard.moc"
