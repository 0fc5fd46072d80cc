#include "server/storage/RedisUrl.h"

#include <QTest>

using authshield::server::RedisConfig;
using authshield::server::RedisUrl;

class TestRedisUrl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("db");
        QTest::addColumn<QString>("username");
        QTest::addColumn<QString>("password");
        QTest::addRow("host only") << QStringLiteral("redis://cache") << QStringLiteral("cache") << 6379 << 0
                                   << QString() << QString();
        QTest::addRow("host and port") << QStringLiteral("redis://127.0.0.1:6380") << QStringLiteral("127.0.0.1")
                                       << 6380 << 0 << QString() << QString();
        QTest::addRow("database number") << QStringLiteral("redis://cache:6379/3") << QStringLiteral("cache") << 6379
                                         << 3 << QString() << QString();
        QTest::addRow("trailing slash") << QStringLiteral("redis://cache/") << QStringLiteral("cache") << 6379 << 0
                                        << QString() << QString();
        QTest::addRow("password only") << QStringLiteral("redis://:s3cret@cache:6379/1") << QStringLiteral("cache")
                                       << 6379 << 1 << QString() << QStringLiteral("s3cret");
        QTest::addRow("percent-encoded password") << QStringLiteral("redis://:p%40ss%2Fword@cache")
                                                  << QStringLiteral("cache") << 6379 << 0 << QString()
                                                  << QStringLiteral("p@ss/word");
        QTest::addRow("acl user") << QStringLiteral("redis://auth:pw@cache") << QStringLiteral("cache") << 6379 << 0
                                  << QStringLiteral("auth") << QStringLiteral("pw");
        QTest::addRow("ipv6 host") << QStringLiteral("redis://[::1]:7000/2") << QStringLiteral("::1") << 7000 << 2
                                   << QString() << QString();
        QTest::addRow("surrounding spaces") << QStringLiteral("  redis://cache  ") << QStringLiteral("cache") << 6379
                                            << 0 << QString() << QString();
    }
    void parses()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, db);
        QFETCH(QString, username);
        QFETCH(QString, password);
        const auto url = RedisUrl::parse(text);
        QVERIFY2(url.ok(), qPrintable(url.ok() ? QString() : url.error().message));
        QCOMPARE(url->host, host);
        QCOMPARE(int(url->port), port);
        QCOMPARE(url->db, db);
        QCOMPARE(url->username, username);
        QCOMPARE(url->password, password);
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::addRow("empty") << QString() << QStringLiteral("empty");
        QTest::addRow("wrong scheme") << QStringLiteral("http://cache:6379") << QStringLiteral("scheme");
        QTest::addRow("tls scheme") << QStringLiteral("rediss://cache:6379") << QStringLiteral("TLS");
        QTest::addRow("no host") << QStringLiteral("redis://:6379") << QStringLiteral("host");
        QTest::addRow("port out of range") << QStringLiteral("redis://cache:70000") << QStringLiteral("");
        QTest::addRow("database not a number") << QStringLiteral("redis://cache/abc") << QStringLiteral("database");
        QTest::addRow("negative database") << QStringLiteral("redis://cache/-1") << QStringLiteral("database");
        QTest::addRow("query string") << QStringLiteral("redis://cache?timeout=1") << QStringLiteral("query");
        QTest::addRow("user without password") << QStringLiteral("redis://auth@cache") << QStringLiteral("password");
    }
    void rejects()
    {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        const auto url = RedisUrl::parse(text);
        QVERIFY(!url.ok());
        QCOMPARE(url.error().code, authshield::ErrorCode::ValidationFailed);
        QVERIFY2(url.error().message.startsWith(QStringLiteral("invalid redis url")), qPrintable(url.error().message));
        QVERIFY2(url.error().message.contains(reason), qPrintable(url.error().message));
    }

    void configPasswordWinsOverUrl()
    {
        RedisConfig config;
        config.url = QStringLiteral("redis://:from-url@cache:6379/0");
        config.password = QStringLiteral("from-config");
        const auto url = RedisUrl::fromConfig(config);
        QVERIFY(url.ok());
        QCOMPARE(url->password, QStringLiteral("from-config"));

        config.password.clear();
        QCOMPARE(RedisUrl::fromConfig(config)->password, QStringLiteral("from-url"));
    }

    void displayStringHidesPassword()
    {
        const auto url = RedisUrl::parse(QStringLiteral("redis://:topsecret@cache:6380/4"));
        QVERIFY(url.ok());
        QCOMPARE(url->displayString(), QStringLiteral("redis://cache:6380/4"));
        QVERIFY(!url->displayString().contains(QStringLiteral("topsecret")));
    }
};

QTEST_GUILESS_MAIN(TestRedisUrl)
#include "tst_redis_url.moc"
