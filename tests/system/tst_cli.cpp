#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using authshield::test::CommandResult;
using authshield::test::ServerProcess;
using authshield::test::TestHttpClient;

namespace {
QMap<QString, QString> env(std::initializer_list<std::pair<QString, QString>> pairs)
{
    QMap<QString, QString> map;
    for (const auto& [key, value] : pairs)
        map.insert(key, value);
    return map;
}

// Runs a command and returns stdout + stderr as one string for message checks.
QString both(const CommandResult& result)
{
    return QString::fromUtf8(result.out + result.err);
}
} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void usage_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("version") << QStringList{"--version"} << 0 << "authshield-server 0.1.0";
        QTest::addRow("help") << QStringList{"--help"} << 0 << "migrate [--dry-run]";
        QTest::addRow("no command") << QStringList{} << 2 << "no command given";
        QTest::addRow("unknown command") << QStringList{"frobnicate"} << 2 << "unknown command \"frobnicate\"";
        QTest::addRow("unknown option") << QStringList{"serve", "--turbo"} << 2 << "\"--turbo\"";
        QTest::addRow("option without value") << QStringList{"serve", "--config"} << 2 << "--config needs a value";
        QTest::addRow("dry run on serve") << QStringList{"serve", "--dry-run"} << 2 << "--dry-run belongs to migrate";
    }
    void usage()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        const CommandResult result = ServerProcess::runCommand(arguments, {});
        QCOMPARE(result.exitCode, exitCode);
        QVERIFY2(both(result).contains(mentions), qPrintable(both(result)));
    }

    void checkConfigMasksSecretsAndShowsSources()
    {
        QTemporaryDir dir;
        QFile secret(dir.filePath(QStringLiteral("db.pw")));
        QVERIFY(secret.open(QIODevice::WriteOnly));
        secret.write("file-secret-value\n");
        secret.close();
        secret.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        QFile config(dir.filePath(QStringLiteral("authshield.conf")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[http]\nlisten = 127.0.0.1:9001\n[redis]\npassword = inline-secret-value\n");
        config.close();
        const CommandResult result = ServerProcess::runCommand(
            {"check-config", "--config", config.fileName(), "--data-dir", dir.path()},
            env({{"AUTHSHIELD_HTTP_LISTEN", "127.0.0.1:9002"},
                 {"AUTHSHIELD_DATABASE_PASSWORD_FILE", secret.fileName()}}));
        QCOMPARE(result.exitCode, 0);
        const QString out = both(result);
        QVERIFY2(out.contains(QStringLiteral("127.0.0.1:9002")), qPrintable(out)); // env beats the file
        QVERIFY(out.contains(QStringLiteral("AUTHSHIELD_HTTP_LISTEN")));
        QVERIFY(!out.contains(QStringLiteral("file-secret-value")));
        QVERIFY(!out.contains(QStringLiteral("inline-secret-value")));
        QVERIFY(out.contains(QStringLiteral("********")));
    }

    void badConfigNamesTheKey_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("not a number") << "AUTHSHIELD_HTTP_MAX_BODY_BYTES" << "lots" << "http.max_body_bytes";
        QTest::addRow("unknown variable") << "AUTHSHIELD_HTTP_LISTN" << "x" << "AUTHSHIELD_HTTP_LISTN";
        QTest::addRow("bad listen address") << "AUTHSHIELD_HTTP_LISTEN" << "nowhere" << "http.listen";
        QTest::addRow("unknown profile") << "AUTHSHIELD_ENV" << "staging" << "staging";
    }
    void badConfigNamesTheKey()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        for (const QString& command : {QStringLiteral("serve"), QStringLiteral("check-config")}) {
            const CommandResult result
                = ServerProcess::runCommand({command, "--data-dir", dir.path()}, env({{name, value}}));
            QCOMPARE(result.exitCode, 1);
            QVERIFY2(both(result).contains(mentions), qPrintable(both(result)));
        }
    }

    void prodRefusesUnsafeSettingsAndSaysWhy()
    {
        QTemporaryDir dir;
        const CommandResult result = ServerProcess::runCommand(
            {"serve", "--data-dir", dir.path()},
            env({{"AUTHSHIELD_ENV", "prod"}, {"AUTHSHIELD_HTTP_LISTEN", "127.0.0.1:0"}}));
        QCOMPARE(result.exitCode, 1);
        const QString out = both(result);
        QVERIFY2(out.contains(QStringLiteral("refusing to start")), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("public_url")));
        QVERIFY(out.contains(QStringLiteral("encryption_key")));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("authshield.db")))); // refused before touching anything
    }

    void migrateDryRunThenApply()
    {
        QTemporaryDir dir;
        const QStringList dataDir{"--data-dir", dir.path()};
        const CommandResult dryRun = ServerProcess::runCommand(QStringList{"migrate", "--dry-run"} + dataDir, {});
        QCOMPARE(dryRun.exitCode, 0);
        QVERIFY2(dryRun.out.contains("would apply 0001_initial"), dryRun.out.constData());
        const CommandResult again = ServerProcess::runCommand(QStringList{"migrate", "--dry-run"} + dataDir, {});
        QVERIFY(again.out.contains("would apply 0001_initial")); // a dry run changed nothing
        const CommandResult apply = ServerProcess::runCommand(QStringList{"migrate"} + dataDir, {});
        QCOMPARE(apply.exitCode, 0);
        QVERIFY(apply.out.contains("applied 0001_initial"));
        const CommandResult upToDate = ServerProcess::runCommand(QStringList{"migrate", "--dry-run"} + dataDir, {});
        QVERIFY2(upToDate.out.contains("up to date"), upToDate.out.constData());
    }

    void serveRefusesTamperedOrNewerDatabase_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("mentions");
        QTest::addRow("changed migration") << "UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1"
                                           << "0001_initial";
        QTest::addRow("database newer than binary")
            << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (9999, 'future', 'x', 0)"
            << "newer";
    }
    void serveRefusesTamperedOrNewerDatabase()
    {
        QFETCH(QString, sql);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        QCOMPARE(ServerProcess::runCommand({"migrate", "--data-dir", dir.path()}, {}).exitCode, 0);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(dir.filePath(QStringLiteral("authshield.db")));
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(sql));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        const CommandResult result = ServerProcess::runCommand(
            {"serve", "--data-dir", dir.path()}, env({{"AUTHSHIELD_HTTP_LISTEN", "127.0.0.1:0"}}));
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(both(result).contains(mentions), qPrintable(both(result)));
    }

    void embeddedDefaultNeedsNothingButACommand()
    {
        // No config, no data dir: ./var in the working directory, SQLite, in-process stores, a dev key.
        QTemporaryDir work;
        QProcess process;
        process.setWorkingDirectory(work.path());
        process.setProcessEnvironment(
            authshield::test::cleanEnvironment({{QStringLiteral("AUTHSHIELD_HTTP_LISTEN"), QStringLiteral("127.0.0.1:0")}}));
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(AUTHSHIELD_SERVER_BINARY), {QStringLiteral("serve")});
        QVERIFY(process.waitForStarted());
        quint16 port = 0;
        QByteArray output;
        QDeadlineTimer deadline(30000);
        while (port == 0 && !deadline.hasExpired() && process.state() == QProcess::Running) {
            process.waitForReadyRead(200);
            output += process.readAll();
            for (const QByteArray& line : output.split('\n')) {
                const QJsonObject entry = QJsonDocument::fromJson(line).object();
                if (entry.value(QStringLiteral("msg")).toString() == QLatin1String("listening"))
                    port = static_cast<quint16>(entry.value(QStringLiteral("port")).toInt());
            }
        }
        QVERIFY2(port != 0, output.constData());
        TestHttpClient client(port);
        QCOMPARE(client.get("/health").status, 200);
        const QJsonObject ready = client.get("/ready").json();
        QCOMPARE(ready.value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        process.terminate();
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(QFile::exists(work.filePath(QStringLiteral("var/authshield.db"))));
        QVERIFY(QFile::exists(work.filePath(QStringLiteral("var/secrets/encryption.key"))));
        QCOMPARE(QFileInfo(work.filePath(QStringLiteral("var"))).permissions() & (QFile::ReadOther | QFile::ReadGroup),
                 QFileDevice::Permissions());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
