#include "server/sessions/DeviceLabel.h"

#include <QTest>

using authshield::server::DeviceLabel;

// Session lists show a short device label instead of the raw User-Agent.
class TestDeviceLabel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void labels_data()
    {
        QTest::addColumn<QString>("userAgent");
        QTest::addColumn<QString>("label");
        QTest::addRow("Firefox on Linux") << "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"
                                          << "Firefox on Linux";
        QTest::addRow("Chrome on Windows") << "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                                              "like Gecko) Chrome/120.0 Safari/537.36"
                                           << "Chrome on Windows";
        QTest::addRow("Edge on Windows")
            << "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"
            << "Edge on Windows";
        QTest::addRow("Safari on iOS") << "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                                          "Version/17.0 Mobile/15E148 Safari/604.1"
                                       << "Safari on iOS";
        QTest::addRow("Safari on macOS")
            << "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"
            << "Safari on macOS";
        QTest::addRow("Chrome on Android")
            << "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
            << "Chrome on Android";
        QTest::addRow("curl") << "curl/8.4.0"
                              << "curl";
        QTest::addRow("empty") << ""
                               << "Unknown device";
        QTest::addRow("unknown") << "SomethingElse/1.0"
                                 << "Unknown device";
    }

    void labels()
    {
        QFETCH(QString, userAgent);
        QFETCH(QString, label);
        QCOMPARE(DeviceLabel::fromUserAgent(userAgent), label);
    }
};

QTEST_GUILESS_MAIN(TestDeviceLabel)
#include "tst_device_label.moc"
