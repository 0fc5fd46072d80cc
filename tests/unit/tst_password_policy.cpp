#include "server/accounts/PasswordPolicy.h"
#include "server/crypto/Argon2idHasher.h"
#include "server/crypto/CryptoRuntime.h"

#include <QTest>

using namespace authshield::server;

namespace {
PasswordConfig policyConfig()
{
    PasswordConfig config;
    config.minLength = 8;
    config.maxBytes = 64;
    config.argon2MemoryKiB = 8 * 1024;
    config.argon2Iterations = 1;
    return config;
}
} // namespace

// NIST SP 800-63B: length window, blocklist, no composition rules; each refusal names its reason.
class TestPasswordPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(CryptoRuntime::initialise().ok()); }

    void passwordsAreJudged_data()
    {
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("email");
        QTest::addColumn<QString>("reason"); // empty = accepted

        QTest::addRow("long random passphrase") << "violet staple orbit 42"
                                                << "alice@example.com"
                                                << "";
        QTest::addRow("all lower-case letters, no digits or symbols") << "quietmountainriver"
                                                                      << "a@example.com"
                                                                      << "";
        QTest::addRow("exactly 8 characters") << "tz9!pq2w"
                                              << "alice@example.com"
                                              << "";
        QTest::addRow("7 characters") << "tz9!pq2"
                                      << "alice@example.com"
                                      << "must be at least 8 characters long";
        QTest::addRow("8 code points of 4-byte emoji count as 8")
            << QString::fromUtf8("\xF0\x9F\x90\xB1\xF0\x9F\x90\xB6\xF0\x9F\x90\xAD\xF0\x9F\x90\xB9"
                                 "\xF0\x9F\x90\xB0\xF0\x9F\xA6\x8A\xF0\x9F\x90\xBB\xF0\x9F\x90\xBC")
            << "alice@example.com"
            << "";
        QTest::addRow("4 emoji are 8 UTF-16 units but only 4 characters")
            << QString::fromUtf8("\xF0\x9F\x90\xB1\xF0\x9F\x90\xB6\xF0\x9F\x90\xAD\xF0\x9F\x90\xB9")
            << "alice@example.com"
            << "must be at least 8 characters long";
        QTest::addRow("65 bytes") << QString(65, u'k') + QString() << "alice@example.com"
                                  << "must be at most 64 bytes long";
        QTest::addRow("64 bytes") << QString(64, u'k') << "alice@example.com"
                                  << "";
        QTest::addRow("common password") << "iloveyou"
                                         << "alice@example.com"
                                         << "is one of the 10,000 most common passwords";
        QTest::addRow("common password in capitals") << "QWERTYUIOP"
                                                     << "alice@example.com"
                                                     << "is one of the 10,000 most common passwords";
        QTest::addRow("equals the email's local part") << "alice.wonder"
                                                       << "alice.wonder@example.com"
                                                       << "must not contain your email address";
        QTest::addRow("contains the local part, other case") << "xxALICE.Wonder99"
                                                             << "alice.wonder@example.com"
                                                             << "must not contain your email address";
        QTest::addRow("two-letter local part is ignored") << "bobjo-rides-far"
                                                          << "jo@example.com"
                                                          << "";
        QTest::addRow("short and common: both reasons")
            << "123456"
            << "alice@example.com"
            << "must be at least 8 characters long; is one of the 10,000 most common passwords";
    }

    void passwordsAreJudged()
    {
        QFETCH(QString, password);
        QFETCH(QString, email);
        QFETCH(QString, reason);
        const PasswordConfig config = policyConfig();
        const Argon2idHasher hasher(config);
        const PasswordPolicy policy(config, hasher);
        const auto checked = policy.check(password, email, QStringLiteral("new_password"));
        if (reason.isEmpty()) {
            QVERIFY2(checked.ok(), qPrintable(checked.ok() ? QString() : checked.error().fields.value("new_password")));
            return;
        }
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().code, authshield::ErrorCode::ValidationFailed);
        QCOMPARE(checked.error().fields.keys(), QStringList { QStringLiteral("new_password") });
        QCOMPARE(checked.error().fields.value(QStringLiteral("new_password")), reason);
    }

    void currentPasswordIsRefusedAsNewOne()
    {
        const PasswordConfig config = policyConfig();
        const Argon2idHasher hasher(config);
        const PasswordPolicy policy(config, hasher);
        const QString current = QStringLiteral("violet staple orbit 42");
        const auto hash = hasher.hash(current.toUtf8());
        QVERIFY(hash.ok());
        QCOMPARE(policy.problems(current, QStringLiteral("alice@example.com"), *hash),
                 QStringList { QStringLiteral("must differ from your current password") });
        QVERIFY(policy.problems(QStringLiteral("violet staple orbit 43"), QStringLiteral("alice@example.com"), *hash)
                    .isEmpty());
    }

    void commonListIgnoresCase()
    {
        QVERIFY(PasswordPolicy::isCommon(QStringLiteral("password")));
        QVERIFY(PasswordPolicy::isCommon(QStringLiteral("Dragon")));
        QVERIFY(!PasswordPolicy::isCommon(QStringLiteral("violet staple orbit 42")));
    }
};

QTEST_GUILESS_MAIN(TestPasswordPolicy)
#include "tst_password_policy.moc"
