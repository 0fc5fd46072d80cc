#include "server/crypto/Random.h"
#include "server/mfa/QrCode.h"
#include "server/mfa/RecoveryCodes.h"
#include "server/mfa/Totp.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QUrlQuery>

using namespace authshield;
using namespace authshield::server;

// RFC 6238 / RFC 4226 codes and RFC 4648 base32, against the RFCs' own vectors and against oathtool.
class TestTotp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc6238Sha1Vectors_data()
    {
        QTest::addColumn<qint64>("time");
        QTest::addColumn<QString>("code");
        // RFC 6238 Appendix B, SHA1 rows: 8 digits, seed "12345678901234567890".
        QTest::addRow("59") << qint64(59) << "94287082";
        QTest::addRow("1111111109") << qint64(1111111109) << "07081804";
        QTest::addRow("1111111111") << qint64(1111111111) << "14050471";
        QTest::addRow("1234567890") << qint64(1234567890) << "89005924";
        QTest::addRow("2000000000") << qint64(2000000000) << "69279037";
        QTest::addRow("20000000000") << qint64(20000000000LL) << "65353130";
    }
    void rfc6238Sha1Vectors()
    {
        QFETCH(qint64, time);
        QFETCH(QString, code);
        const QByteArray seed("12345678901234567890");
        QCOMPARE(Totp::codeAt(seed, time, 8), code);
        // Six digits are the last six of the eight (both are the same number modulo a power of ten).
        QCOMPARE(Totp::codeAt(seed, time), code.right(6));
    }

    void rfc4226HotpVectors()
    {
        // RFC 4226 Appendix D.
        const QStringList expected {"755224", "287082", "359152", "969429", "338314",
                                    "254676", "287922", "162583", "399871", "520489"};
        for (int counter = 0; counter < expected.size(); ++counter)
            QCOMPARE(Totp::hotp("12345678901234567890", static_cast<quint64>(counter)), expected.at(counter));
    }

    void base32Vectors_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("padded");
        // RFC 4648 section 10.
        QTest::addRow("empty") << QByteArray() << "";
        QTest::addRow("f") << QByteArray("f") << "MY======";
        QTest::addRow("fo") << QByteArray("fo") << "MZXQ====";
        QTest::addRow("foo") << QByteArray("foo") << "MZXW6===";
        QTest::addRow("foob") << QByteArray("foob") << "MZXW6YQ=";
        QTest::addRow("fooba") << QByteArray("fooba") << "MZXW6YTB";
        QTest::addRow("foobar") << QByteArray("foobar") << "MZXW6YTBOI======";
    }
    void base32Vectors()
    {
        QFETCH(QByteArray, data);
        QFETCH(QString, padded);
        QString unpadded = padded;
        unpadded.remove(QLatin1Char('='));
        QCOMPARE(Totp::base32Encode(data), unpadded);
        QCOMPARE(Totp::base32Decode(padded), std::optional<QByteArray>(data));
        QCOMPARE(Totp::base32Decode(unpadded), std::optional<QByteArray>(data));
        QCOMPARE(Totp::base32Decode(unpadded.toLower()), std::optional<QByteArray>(data));
    }

    void base32RefusesGarbage_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addRow("digit outside the alphabet") << "MZXW1";
        QTest::addRow("punctuation") << "MZ!W6";
        QTest::addRow("data after padding") << "MY==MY";
        QTest::addRow("impossible group length") << "M";
        QTest::addRow("non-canonical trailing bits") << "MZ";
    }
    void base32RefusesGarbage()
    {
        QFETCH(QString, text);
        QVERIFY(!Totp::base32Decode(text).has_value());
    }

    void base32AcceptsWhatUsersType()
    {
        QCOMPARE(Totp::base32Decode("mzxw 6ytb-oi"), std::optional<QByteArray>("foobar"));
    }

    void matchesOneStepEitherSideOnly()
    {
        const QByteArray secret = QByteArray::fromHex("3132333435363738393031323334353637383930");
        const qint64 now = 1700000000;
        const qint64 step = Totp::stepAt(now);
        QCOMPARE(Totp::matchingStep(secret, Totp::codeAt(secret, now), now), std::optional<qint64>(step));
        QCOMPARE(Totp::matchingStep(secret, Totp::codeAt(secret, now - 30), now), std::optional<qint64>(step - 1));
        QCOMPARE(Totp::matchingStep(secret, Totp::codeAt(secret, now + 30), now), std::optional<qint64>(step + 1));
        QVERIFY(!Totp::matchingStep(secret, Totp::codeAt(secret, now - 60), now).has_value());
        QVERIFY(!Totp::matchingStep(secret, Totp::codeAt(secret, now + 60), now).has_value());
        QVERIFY(!Totp::matchingStep(secret, "12345", now).has_value());
        QVERIFY(!Totp::matchingStep(secret, QString(), now).has_value());
    }

    void agreesWithOathtool()
    {
        const QString oathtool = QStandardPaths::findExecutable("oathtool");
        QVERIFY2(!oathtool.isEmpty(), "oathtool is not installed (Debian package oathtool)");
        QRandomGenerator* random = QRandomGenerator::global();
        for (int i = 0; i < 20; ++i) {
            QByteArray secret(Totp::kSecretBytes, Qt::Uninitialized);
            for (char& byte : secret)
                byte = static_cast<char>(random->bounded(256));
            const qint64 time = random->bounded(Q_INT64_C(4000000000));
            const QString base32 = Totp::base32Encode(secret);
            QProcess process;
            process.start(oathtool, {"--totp", "-b", base32, "-N", "@" + QString::number(time)});
            QVERIFY(process.waitForFinished(10000));
            QCOMPARE(process.exitCode(), 0);
            const QString expected = QString::fromLatin1(process.readAllStandardOutput()).trimmed();
            QVERIFY2(Totp::codeAt(secret, time) == expected,
                     qPrintable(QStringLiteral("secret %1 at %2: ours %3, oathtool %4")
                                    .arg(base32).arg(time).arg(Totp::codeAt(secret, time), expected)));
        }
    }

    void otpauthUriNamesIssuerAccountAndParameters()
    {
        const QString uri = Totp::otpauthUri("Auth Shield", "ann@example.com", "foobar");
        QVERIFY2(uri.startsWith("otpauth://totp/Auth%20Shield:ann%40example.com?"), qPrintable(uri));
        const QUrlQuery query(uri.mid(uri.indexOf('?') + 1));
        QCOMPARE(query.queryItemValue("secret"), QStringLiteral("MZXW6YTBOI"));
        QCOMPARE(query.queryItemValue("issuer", QUrl::FullyDecoded), QStringLiteral("Auth Shield"));
        QCOMPARE(query.queryItemValue("digits"), QStringLiteral("6"));
        QCOMPARE(query.queryItemValue("period"), QStringLiteral("30"));
        QCOMPARE(query.queryItemValue("algorithm"), QStringLiteral("SHA1"));
    }

    void qrCodeIsAnSvgOfModules()
    {
        const Result<QString> svg = QrCode::svg("otpauth://totp/AuthShield:ann%40example.com?secret=MZXW6YTBOI");
        QVERIFY(svg.ok());
        QVERIFY(svg->startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        QVERIFY(svg->endsWith("</svg>"));
        // Version 3+ for this length: well over a hundred dark modules.
        QVERIFY(svg->count("h1v1h-1z") > 100);
    }

    void recoveryCodesAreRandomFormattedAndKeyed()
    {
        SystemRandom random;
        const RecoveryCodes codes(QByteArray(32, 'k'));
        const QStringList generated = codes.generate(random);
        QCOMPARE(generated.size(), RecoveryCodes::kCount);
        QCOMPARE(QSet<QString>(generated.cbegin(), generated.cend()).size(), RecoveryCodes::kCount);
        const QRegularExpression format("^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$");
        for (const QString& code : generated)
            QVERIFY2(format.match(code).hasMatch(), qPrintable(code));
        // Typed in upper case, without dashes or with spaces: the same code.
        const QString code = generated.first();
        QCOMPARE(codes.hash(code.toUpper()), codes.hash(code));
        QCOMPARE(codes.hash(QString(code).remove('-')), codes.hash(code));
        QCOMPARE(codes.hash(" " + QString(code).replace('-', ' ') + " "), codes.hash(code));
        QVERIFY(codes.hash(code) != codes.hash(generated.last()));
        // Keyed: another server key gives another hash.
        QVERIFY(RecoveryCodes(QByteArray(32, 'x')).hash(code) != codes.hash(code));
    }
};

QTEST_GUILESS_MAIN(TestTotp)
#include "tst_totp.moc"
