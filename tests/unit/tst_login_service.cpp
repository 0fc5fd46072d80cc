#include "tests/support/AuthCoreFixture.h"

#include "server/crypto/Argon2idHasher.h"

#include <QTest>

using namespace authshield;
using namespace authshield::test;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");

server::PasswordConfig cheapArgon2()
{
    server::PasswordConfig config;
    config.argon2MemoryKiB = 8 * 1024;
    config.argon2Iterations = 1;
    return config;
}
} // namespace

// LoginService without sockets: equal answers and equal cost for every refusal, and the rehash.
class TestLoginService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<AuthCore> m_core;

private Q_SLOTS:
    void init()
    {
        m_core = AuthCore::create({}, cheapArgon2());
        QVERIFY(m_core);
        QVERIFY(!m_core->addUser(QStringLiteral("alice@example.com"), kPassword).isEmpty());
        QVERIFY(!m_core->addUser(QStringLiteral("carol@example.com"), kPassword, true, true).isEmpty());
        QVERIFY(!m_core->addUser(QStringLiteral("dave@example.com"), kPassword, false).isEmpty());
    }

    void cleanup() { m_core.reset(); }

    void refusals_data()
    {
        QTest::addColumn<QString>("email");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<quint64>("dummyVerifications");
        QTest::addRow("unknown user") << "nobody@example.com" << kPassword.toUtf8() << quint64(1);
        QTest::addRow("unknown user, other case") << "NoBody@Example.COM" << kPassword.toUtf8() << quint64(1);
        QTest::addRow("implausible email") << "no-at-sign" << kPassword.toUtf8() << quint64(1);
        QTest::addRow("wrong password") << "alice@example.com" << QByteArray("wrong password") << quint64(0);
        QTest::addRow("disabled account") << "carol@example.com" << kPassword.toUtf8() << quint64(0);
        QTest::addRow("password over max_bytes") << "alice@example.com" << QByteArray(257, 'x') << quint64(1);
    }

    void refusals()
    {
        QFETCH(QString, email);
        QFETCH(QByteArray, password);
        QFETCH(quint64, dummyVerifications);
        const quint64 before = m_core->hasher->dummyVerifications();
        Result<server::TokenPair> result = m_core->login->login(email, password, m_core->origin());
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::InvalidCredentials);
        QCOMPARE(result.error().message, QStringLiteral("The email or password is incorrect."));
        // Unknown accounts cost one dummy Argon2 verification, like a real one; known ones a real verification.
        QCOMPARE(m_core->hasher->dummyVerifications() - before, dummyVerifications);
    }

    void unverifiedWithTheRightPassword()
    {
        Result<server::TokenPair> result
            = m_core->login->login(QStringLiteral("dave@example.com"), kPassword.toUtf8(), m_core->origin());
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::EmailNotVerified);
    }

    void success()
    {
        const quint64 before = m_core->hasher->dummyVerifications();
        Result<server::TokenPair> result
            = m_core->login->login(QStringLiteral(" Alice@Example.com"), kPassword.toUtf8(), m_core->origin());
        QVERIFY2(result.ok(), result ? "" : qPrintable(result.error().message));
        QCOMPARE(m_core->hasher->dummyVerifications(), before);
        QVERIFY(!result->accessToken.isEmpty());
        QCOMPARE(result->refreshToken.size(), 43);
        QVERIFY(m_core->verifier->verify(result->accessToken.toUtf8()).ok());
        Result<std::optional<server::User>> user = m_core->users->findByEmail(QStringLiteral("alice@example.com"));
        QVERIFY(user && user->has_value() && (*user)->lastLoginAt.has_value());
    }

    void rehashWhenParametersChanged()
    {
        server::PasswordConfig older = cheapArgon2();
        older.argon2Iterations = 2;
        server::Argon2idHasher oldHasher(older);
        Result<QString> oldHash = oldHasher.hash(kPassword.toUtf8());
        QVERIFY(oldHash);
        Result<std::optional<server::User>> user = m_core->users->findByEmail(QStringLiteral("alice@example.com"));
        QVERIFY(user && user->has_value());
        QVERIFY(m_core->users->updatePasswordHash((*user)->id, *oldHash).ok());
        QVERIFY(m_core->login->login(QStringLiteral("alice@example.com"), kPassword.toUtf8(), m_core->origin()).ok());
        Result<std::optional<server::User>> after = m_core->users->findById((*user)->id);
        QVERIFY(after && after->has_value());
        QVERIFY((*after)->passwordHash != *oldHash);
        QVERIFY((*after)->passwordHash.contains(QLatin1String("t=1")));
    }
};

QTEST_GUILESS_MAIN(TestLoginService)
#include "tst_login_service.moc"
