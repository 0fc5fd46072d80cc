#include "server/storage/DatabaseUrl.h"

#include <QTest>

using authshield::ErrorCode;
using authshield::server::DatabaseUrl;
using authshield::server::SqlBackend;

class TestDatabaseUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sqlite_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("path");
        QTest::addRow("absolute path") << "sqlite:///var/lib/authshield/auth.db"
                                       << "/var/lib/authshield/auth.db";
        QTest::addRow("relative to the data dir") << "sqlite://auth.db"
                                                  << "/data/dir/auth.db";
        QTest::addRow("relative sub-folder") << "sqlite://db/auth.db"
                                             << "/data/dir/db/auth.db";
        QTest::addRow("empty url means default file") << ""
                                                      << "/data/dir/authshield.db";
        QTest::addRow("upper-case scheme") << "SQLITE:///x/y.db"
                                           << "/x/y.db";
        QTest::addRow("dot segments cleaned") << "sqlite:///x/../y/./z.db"
                                              << "/y/z.db";
        QTest::addRow("percent-encoded space") << "sqlite:///x/my%20db.db"
                                               << "/x/my db.db";
    }
    void sqlite()
    {
        QFETCH(QString, url);
        QFETCH(QString, path);
        const auto parsed = DatabaseUrl::parse(url, QStringLiteral("/data/dir"));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().message));
        QCOMPARE(parsed->backend, SqlBackend::Sqlite);
        QCOMPARE(parsed->path, path);
        QCOMPARE(parsed->display(), QStringLiteral("sqlite://") + path);
    }

    void postgres_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("database");
        QTest::addColumn<QString>("sslMode");
        QTest::addColumn<int>("connectTimeout");
        QTest::addRow("minimal") << "postgresql://auth@db.internal/authshield"
                                 << "db.internal" << 5432 << "auth"
                                 << ""
                                 << "authshield"
                                 << "" << -1;
        QTest::addRow("port and password") << "postgresql://auth:s3cret@10.0.0.5:6432/prod"
                                           << "10.0.0.5" << 6432 << "auth"
                                           << "s3cret"
                                           << "prod"
                                           << "" << -1;
        QTest::addRow("postgres:// alias") << "postgres://u@h/d"
                                           << "h" << 5432 << "u"
                                           << ""
                                           << "d"
                                           << "" << -1;
        QTest::addRow("sslmode and connect_timeout") << "postgresql://u@h:5433/d?sslmode=verify-full&connect_timeout=3"
                                                     << "h" << 5433 << "u"
                                                     << ""
                                                     << "d"
                                                     << "verify-full" << 3;
        QTest::addRow("percent-encoded password") << "postgresql://u:p%40ss%3Aw@h/d"
                                                  << "h" << 5432 << "u"
                                                  << "p@ss:w"
                                                  << "d"
                                                  << "" << -1;
        QTest::addRow("ipv6 host") << "postgresql://u@[::1]:5432/d"
                                   << "::1" << 5432 << "u"
                                   << ""
                                   << "d"
                                   << "" << -1;
    }
    void postgres()
    {
        QFETCH(QString, url);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(QString, database);
        QFETCH(QString, sslMode);
        QFETCH(int, connectTimeout);
        const auto parsed = DatabaseUrl::parse(url, QStringLiteral("/data"));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().message));
        QCOMPARE(parsed->backend, SqlBackend::Postgres);
        QCOMPARE(parsed->host, host);
        QCOMPARE(int(parsed->port), port);
        QCOMPARE(parsed->user, user);
        QCOMPARE(parsed->password, password);
        QCOMPARE(parsed->database, database);
        QCOMPARE(parsed->sslMode, sslMode);
        QCOMPARE(parsed->connectTimeoutSeconds.value_or(-1), connectTimeout);
        if (!password.isEmpty())
            QVERIFY2(!parsed->display().contains(password), qPrintable(parsed->display()));
        QVERIFY(parsed->display().startsWith(QStringLiteral("postgresql://") + user + QLatin1Char('@')));
    }

    void rejected_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("expectedMessagePart");
        QTest::addRow("unknown scheme") << "mysql://u@h/d"
                                        << "scheme 'mysql' is not supported";
        QTest::addRow("no scheme") << "/var/lib/auth.db"
                                   << "must start with sqlite:// or postgresql://";
        QTest::addRow("sqlite without path") << "sqlite://"
                                             << "has no file path";
        QTest::addRow("sqlite in-memory") << "sqlite://:memory:"
                                          << "in-memory SQLite is not supported";
        QTest::addRow("sqlite directory") << "sqlite:///var/lib/"
                                          << "names a directory";
        QTest::addRow("sqlite with query") << "sqlite:///x.db?mode=ro"
                                           << "takes no query parameters";
        QTest::addRow("postgres without database") << "postgresql://u@h:5432/"
                                                   << "no database name";
        QTest::addRow("postgres without user") << "postgresql://h/d"
                                               << "no user";
        QTest::addRow("postgres without host") << "postgresql:///d"
                                               << "no host";
        QTest::addRow("postgres bad port") << "postgresql://u@h:99999/d"
                                           << "not a valid postgresql:// URL";
        QTest::addRow("postgres nested path") << "postgresql://u@h/d/e"
                                              << "just the database name";
        QTest::addRow("postgres bad sslmode") << "postgresql://u@h/d?sslmode=maybe"
                                              << "sslmode 'maybe'";
        QTest::addRow("postgres bad timeout") << "postgresql://u@h/d?connect_timeout=0"
                                              << "connect_timeout must be";
        QTest::addRow("postgres unknown option") << "postgresql://u@h/d?pool=5"
                                                 << "unknown parameter 'pool'";
    }
    void rejected()
    {
        QFETCH(QString, url);
        QFETCH(QString, expectedMessagePart);
        const auto parsed = DatabaseUrl::parse(url, QStringLiteral("/data"));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, ErrorCode::ValidationFailed);
        QVERIFY2(parsed.error().message.contains(expectedMessagePart), qPrintable(parsed.error().message));
    }

    void passwordNeverInErrors()
    {
        const auto parsed
            = DatabaseUrl::parse(QStringLiteral("postgresql://u:hunter2@h:notaport/d"), QStringLiteral("/"));
        QVERIFY(!parsed.ok());
        QVERIFY2(!parsed.error().message.contains(QStringLiteral("hunter2")), qPrintable(parsed.error().message));
    }
};

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_database_url.moc"
