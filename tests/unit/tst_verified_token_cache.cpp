#include "server/tokens/VerifiedTokenCache.h"

#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <vector>

using authshield::server::AccessTokenClaims;
using authshield::server::VerifiedTokenCache;

namespace {
AccessTokenClaims claimsFor(int i)
{
    AccessTokenClaims claims;
    claims.userId = QString::number(i);
    claims.sessionId = QStringLiteral("sid");
    claims.tokenId = QStringLiteral("jti-%1").arg(i);
    return claims;
}

QByteArray token(int i)
{
    return "token-" + QByteArray::number(i);
}
} // namespace

// The bounded cache in front of signature verification.
class TestVerifiedTokenCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsWhatWasInserted()
    {
        VerifiedTokenCache cache(4);
        QVERIFY(!cache.find(token(1)));
        cache.insert(token(1), claimsFor(1));
        QCOMPARE(cache.find(token(1))->userId, QStringLiteral("1"));
        QVERIFY(!cache.find(token(1) + "x")); // keyed by the whole token
    }

    void neverGrowsPastItsCapacity()
    {
        VerifiedTokenCache cache(100);
        for (int i = 0; i < 10'000; ++i)
            cache.insert(token(i), claimsFor(i));
        QCOMPARE(cache.size(), 100);
        QVERIFY(cache.find(token(9'999))); // the newest survive
        QVERIFY(!cache.find(token(0)));
    }

    void recentlyUsedEntriesGetASecondChance()
    {
        VerifiedTokenCache cache(3);
        cache.insert(token(1), claimsFor(1));
        cache.insert(token(2), claimsFor(2));
        cache.insert(token(3), claimsFor(3));
        QVERIFY(cache.find(token(1))); // referenced: survives the next eviction
        cache.insert(token(4), claimsFor(4));
        QVERIFY(cache.find(token(1)));
        QVERIFY(!cache.find(token(2)));
        QCOMPARE(cache.size(), 3);
    }

    void concurrentUseIsSafe()
    {
        VerifiedTokenCache cache(64);
        std::atomic<int> hits { 0 };
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back(QThread::create([&cache, &hits, t] {
                for (int i = 0; i < 5'000; ++i) {
                    const int key = (i * 7 + t) % 200;
                    if (std::optional<AccessTokenClaims> found = cache.find(token(key))) {
                        if (found->userId == QString::number(key))
                            ++hits;
                    } else {
                        cache.insert(token(key), claimsFor(key));
                    }
                }
            }));
            threads.back()->start();
        }
        for (auto& thread : threads)
            QVERIFY(thread->wait(30000));
        QVERIFY(hits.load() > 0);
        QVERIFY(cache.size() <= 64);
    }
};

QTEST_GUILESS_MAIN(TestVerifiedTokenCache)
#include "tst_verified_token_cache.moc"
