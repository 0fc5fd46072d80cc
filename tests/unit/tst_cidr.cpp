#include "server/core/Cidr.h"

#include <QTest>

using authshield::server::Cidr;

class TestCidr : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void contains_data()
    {
        QTest::addColumn<QString>("cidr");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("expected");
        QTest::addRow("v4 inside /8") << "10.0.0.0/8" << "10.20.30.40" << true;
        QTest::addRow("v4 outside /8") << "10.0.0.0/8" << "11.0.0.1" << false;
        QTest::addRow("single host without prefix") << "127.0.0.1" << "127.0.0.1" << true;
        QTest::addRow("single host, other address") << "127.0.0.1" << "127.0.0.2" << false;
        QTest::addRow("v4-mapped v6 peer") << "192.168.0.0/16" << "::ffff:192.168.1.1" << true;
        QTest::addRow("v6 range") << "fd00::/8" << "fd12::1" << true;
        QTest::addRow("v6 outside") << "fd00::/8" << "fe80::1" << false;
    }
    void contains()
    {
        QFETCH(QString, cidr);
        QFETCH(QString, address);
        QFETCH(bool, expected);
        const auto parsed = Cidr::parse(cidr);
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->contains(QHostAddress(address)), expected);
    }

    void rejectsGarbage_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addRow("empty") << "";
        QTest::addRow("words") << "not-an-address";
        QTest::addRow("prefix too long") << "10.0.0.0/33";
    }
    void rejectsGarbage()
    {
        QFETCH(QString, text);
        QVERIFY(!Cidr::parse(text).has_value());
    }
};

QTEST_GUILESS_MAIN(TestCidr)
#include "tst_cidr.moc"
