#include "tests/support/AuthCoreFixture.h"

#include "server/storage/KeyValueStoreFactory.h"
#include "server/storage/KeyValueSubscriber.h"

#include <QSignalSpy>
#include <QTest>

using namespace authshield;
using namespace authshield::test;
using namespace std::chrono_literals;

// The local revocation set: pushed to every list on the same store, reloaded on resynchronisation, pruned.
class TestRevocationList : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<AuthCore> m_core;

private Q_SLOTS:
    void init()
    {
        m_core = AuthCore::create();
        QVERIFY(m_core);
    }

    void cleanup() { m_core.reset(); }

    void revocationsReachAnotherListOnTheSameStore()
    {
        // A second "instance" in this process: its own list, subscribed to the same store.
        QObject owner;
        auto* other = new server::RevocationList(*m_core->store, *m_core->database, m_core->clock, 900s, &owner);
        QSignalSpy synced(other, &server::RevocationList::resynchronised);
        other->attach(server::makeKeyValueSubscriber(*m_core->store, &owner));
        QVERIFY(synced.count() > 0 || synced.wait(5000));
        QVERIFY(m_core->revocations->revokeSession(QStringLiteral("sid-1")).ok());
        QVERIFY(m_core->revocations->blockToken(QStringLiteral("jti-1"), m_core->clock.now().addSecs(600)).ok());
        QVERIFY(m_core->revocations->isSessionRevoked(QStringLiteral("sid-1")));
        QTRY_VERIFY_WITH_TIMEOUT(other->isSessionRevoked(QStringLiteral("sid-1")), 1000);
        QTRY_VERIFY_WITH_TIMEOUT(other->isTokenBlocked(QStringLiteral("jti-1")), 1000);
        QVERIFY(!other->isRevoked(QStringLiteral("sid-2"), QStringLiteral("jti-2")));
    }

    void resynchronisationReloadsFromTheStore()
    {
        QVERIFY(m_core->revocations->revokeSession(QStringLiteral("sid-1")).ok());
        QVERIFY(m_core->revocations->blockToken(QStringLiteral("jti-1"), m_core->clock.now().addSecs(60)).ok());
        // A list that missed the messages (disconnected) learns them from the store.
        QObject owner;
        server::RevocationList late(*m_core->store, *m_core->database, m_core->clock, 900s, &owner);
        QVERIFY(!late.isSessionRevoked(QStringLiteral("sid-1")));
        QVERIFY(late.resynchronise().ok());
        QVERIFY(late.isSessionRevoked(QStringLiteral("sid-1")));
        QVERIFY(late.isTokenBlocked(QStringLiteral("jti-1")));
    }

    void longAccessTokenLifetimesStillResynchronise()
    {
        // A year-long access_ttl widens the buckets instead of multiplying the reads.
        QObject owner;
        server::RevocationList writer(*m_core->store, *m_core->database, m_core->clock, 24h * 365, &owner);
        QVERIFY(writer.blockToken(QStringLiteral("jti-far"), m_core->clock.now().addDays(300)).ok());
        server::RevocationList reader(*m_core->store, *m_core->database, m_core->clock, 24h * 365, &owner);
        QVERIFY(reader.resynchronise().ok());
        QVERIFY(reader.isTokenBlocked(QStringLiteral("jti-far")));
    }

    void resynchronisationAlsoReadsRevokedSessionsFromTheDatabase()
    {
        const QString userId = m_core->addUser(QStringLiteral("a@example.com"), QStringLiteral("long password here"));
        Result<server::TokenPair> pair = m_core->tokens->startSession(userId, m_core->origin());
        QVERIFY(pair);
        // Revoked in the database only, as when the push failed because Redis was down.
        QVERIFY(m_core->sessions->repository().revoke(pair->sessionId, QStringLiteral("x"), m_core->clock.now()).ok());
        QObject owner;
        server::RevocationList other(*m_core->store, *m_core->database, m_core->clock, 900s, &owner);
        QVERIFY(other.resynchronise().ok());
        QVERIFY(other.isSessionRevoked(pair->sessionId));
    }

    void entriesArePrunedAfterTheTokensExpired()
    {
        QVERIFY(m_core->revocations->revokeSession(QStringLiteral("sid-1")).ok());
        QVERIFY(m_core->revocations->blockToken(QStringLiteral("jti-1"), m_core->clock.now().addSecs(60)).ok());
        QCOMPARE(m_core->revocations->size(), 2);
        m_core->clock.advance(60s + server::RevocationList::kMargin + 1s);
        m_core->revocations->prune();
        QCOMPARE(m_core->revocations->size(), 1); // the jti's token has expired, the session's may not have
        m_core->clock.advance(900s);
        m_core->revocations->prune();
        QCOMPARE(m_core->revocations->size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRevocationList)
#include "tst_revocation_list.moc"
