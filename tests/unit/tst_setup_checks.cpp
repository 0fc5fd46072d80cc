#include "server/app/SetupWizard.h"
#include "server/storage/DatabaseUrl.h"
#include "server/storage/RedisUrl.h"

#include <QTest>

using authshield::server::DatabaseUrl;
using authshield::server::RedisUrl;
using authshield::server::SetupWizard;

// What the setup wizard tells an operator for each failure it recognises, and how it edits the config file.
class TestSetupChecks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void databaseErrors_data()
    {
        QTest::addColumn<QString>("driverError");
        QTest::addColumn<QString>("advice");
        // The texts libpq 15 gives (through QPSQL) for each case.
        QTest::addRow("wrong password")
            << "connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  password authentication failed for "
               "user \"authshield\"\nQPSQL: Unable to connect"
            << "PostgreSQL at 127.0.0.1:5433 refused the password for user authshield: check the password in "
               "--database-url";
        QTest::addRow("wrong port")
            << "connection to server at \"127.0.0.1\", port 5433 failed: Connection refused\n\tIs the server running "
               "on that host and accepting TCP/IP connections?"
            << "nothing accepts connections at 127.0.0.1:5433: check the host and port in --database-url";
        QTest::addRow("unknown role") << "FATAL:  role \"authshield\" does not exist"
                                      << "PostgreSQL at 127.0.0.1:5433 has no user authshield: create it with sudo -u "
                                         "postgres createuser --pwprompt authshield";
        QTest::addRow("host not allowed")
            << "FATAL:  no pg_hba.conf entry for host \"10.0.0.5\", user \"authshield\", database \"authshield\""
            << "does not let user authshield in from this host: add a host line for database authshield to pg_hba.conf";
        QTest::addRow("unresolvable host") << "could not translate host name \"db.invalid\" to address"
                                           << "the database host 127.0.0.1 does not resolve";
        QTest::addRow("timeout") << "timeout expired" << "did not answer within 5 s";
    }
    void databaseErrors()
    {
        QFETCH(QString, driverError);
        QFETCH(QString, advice);
        const auto url = DatabaseUrl::parse("postgresql://authshield@127.0.0.1:5433/authshield", "/tmp");
        QVERIFY(url.ok());
        const QString explained = SetupWizard::explainDatabaseError(driverError, *url);
        QVERIFY2(explained.contains(advice), qPrintable(explained));
    }

    void redisErrors_data()
    {
        QTest::addColumn<QString>("clientError");
        QTest::addColumn<QString>("advice");
        QTest::addRow("refused") << "redis unavailable: Connection refused"
                                 << "nothing accepts connections at 127.0.0.1:6390: check the host and port in "
                                    "--redis-url";
        QTest::addRow("password needed") << "NOAUTH Authentication required."
                                         << "Redis at 127.0.0.1:6390 needs a password: give it in --redis-url as "
                                            "redis://:password@127.0.0.1:6390/0";
        QTest::addRow("wrong password") << "WRONGPASS invalid username-password pair or user is disabled."
                                        << "Redis at 127.0.0.1:6390 refused the password";
        QTest::addRow("timeout") << "redis unavailable: Connection timed out" << "did not answer within 5 s";
    }
    void redisErrors()
    {
        QFETCH(QString, clientError);
        QFETCH(QString, advice);
        const auto url = RedisUrl::parse("redis://127.0.0.1:6390/0");
        QVERIFY(url.ok());
        const QString explained = SetupWizard::explainRedisError(clientError, *url);
        QVERIFY2(explained.contains(advice), qPrintable(explained));
    }

    void redisPersistence_data()
    {
        QTest::addColumn<QByteArray>("appendOnly");
        QTest::addColumn<QByteArray>("save");
        QTest::addColumn<bool>("warns");
        QTest::addRow("nothing persists") << QByteArray("no") << QByteArray("") << true;
        QTest::addRow("aof on") << QByteArray("yes") << QByteArray("") << false;
        QTest::addRow("snapshots on") << QByteArray("no") << QByteArray("3600 1 300 100") << false;
    }
    void redisPersistence()
    {
        QFETCH(QByteArray, appendOnly);
        QFETCH(QByteArray, save);
        QFETCH(bool, warns);
        const QString warning = SetupWizard::redisPersistenceWarning(appendOnly, save, "127.0.0.1:6379");
        QCOMPARE(!warning.isEmpty(), warns);
        if (warns)
            QVERIFY(warning.contains("set appendonly yes in redis.conf"));
    }

    void publicUrl_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("problem");
        QTest::addRow("https host") << "https://auth.example.com" << "";
        QTest::addRow("https with port and path") << "https://example.com:8443/auth" << "";
        QTest::addRow("empty") << "" << "pass --public-url https://";
        QTest::addRow("plain http") << "http://auth.example.com" << "is not https";
        QTest::addRow("relative") << "auth.example.com" << "is not a valid absolute URL";
        QTest::addRow("query") << "https://auth.example.com/?x=1" << "has a query";
        QTest::addRow("trailing slash") << "https://auth.example.com/" << "drop the trailing slash";
    }
    void publicUrl()
    {
        QFETCH(QString, url);
        QFETCH(QString, problem);
        const QString found = SetupWizard::publicUrlProblem(url);
        if (problem.isEmpty())
            QVERIFY2(found.isEmpty(), qPrintable(found));
        else
            QVERIFY2(found.contains(problem), qPrintable(found));
    }

    void iniEditing_data()
    {
        QTest::addColumn<QString>("before");
        QTest::addColumn<QString>("after");
        QTest::addRow("replaces the active line") << "[server]\nprofile = dev\n[http]\n"
                                                  << "[server]\nprofile = prod\n[http]\n";
        QTest::addRow("fills the commented default") << "[server]\n# help\n# profile = dev\n\n[http]\n"
                                                     << "[server]\n# help\nprofile = prod\n\n[http]\n";
        QTest::addRow("same key in another section untouched")
            << "[http]\nprofile = x\n[server]\n# x\n\n[log]\n" << "[http]\nprofile = x\n[server]\n# x\nprofile = prod\n\n[log]\n";
        QTest::addRow("new section") << "[http]\nlisten = 1\n" << "[http]\nlisten = 1\n\n[server]\n\nprofile = prod\n";
    }
    void iniEditing()
    {
        QFETCH(QString, before);
        QFETCH(QString, after);
        QCOMPARE(SetupWizard::setIniValue(before, "server", "profile", "prod"), after);
    }

    void inlineSecretGivesWayToItsFile()
    {
        const QString text = "[database]\nurl = postgresql://a@b/c\npassword = hunter2\npassword_file_x = 1\n";
        QCOMPARE(SetupWizard::removeIniValue(text, "database", "password"),
                 QString("[database]\nurl = postgresql://a@b/c\npassword_file_x = 1\n"));
    }
};

QTEST_GUILESS_MAIN(TestSetupChecks)
#include "tst_setup_checks.moc"
