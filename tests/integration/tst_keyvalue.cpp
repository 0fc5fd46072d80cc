#include "server/core/Clock.h"
#include "server/storage/InProcessKeyValueStore.h"
#include "server/storage/KeyValueStoreFactory.h"
#include "server/storage/RedisKeyValueStore.h"
#include "tests/support/RedisInstance.h"
#include "tests/support/TestEnvironment.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using authshield::ErrorCode;
using authshield::server::Clock;
using authshield::server::InProcessKeyValueStore;
using authshield::server::KeyValueStore;
using authshield::server::KeyValueSubscriber;
using authshield::server::RedisConfig;
using authshield::server::RedisKeyValueStore;
using authshield::test::Backend;
using authshield::test::RedisInstance;

namespace {

class FakeClock final : public Clock
{
public:
    QDateTime now() const override { return QDateTime::fromMSecsSinceEpoch(m_ms.load(), Qt::UTC); }
    void advance(std::chrono::milliseconds by) { m_ms += by.count(); }

private:
    std::atomic<qint64> m_ms{1'700'000'000'000};
};

constexpr auto commandTimeout = 300ms;

} // namespace

// One contract for both backends: the postgres run talks to a real redis-server, the sqlite run to the
// in-process store; every row below must hold on both.
class TestKeyValue : public QObject
{
    Q_OBJECT

private:
    bool isRedis() const { return authshield::test::testBackend() == Backend::Postgres; }

    RedisConfig redisConfig(const RedisInstance& redis, const QString& password = {}) const
    {
        RedisConfig config;
        config.url = redis.url();
        config.password = password;
        config.connectTimeout = commandTimeout;
        config.commandTimeout = commandTimeout;
        return config;
    }

    std::unique_ptr<KeyValueStore> makeStore(const QByteArray& prefix)
    {
        RedisConfig config;
        if (isRedis())
            config = redisConfig(*m_redis);
        auto store = authshield::server::makeKeyValueStore(config, m_clock, prefix);
        return store ? std::move(store).value() : nullptr;
    }

    // Lets a ttl run out: fake time for the in-process store, real (short) time for Redis.
    bool expired(const QByteArray& key, std::chrono::milliseconds ttl)
    {
        if (!isRedis()) {
            m_clock.advance(ttl + 1ms);
            return m_store->ttl(key).value() == -2ms;
        }
        return QTest::qWaitFor([&] { return m_store->ttl(key).value() == -2ms; }, 3000);
    }

    FakeClock m_clock;
    std::unique_ptr<RedisInstance> m_redis;
    std::unique_ptr<KeyValueStore> m_store;
    int m_testNumber = 0;

private Q_SLOTS:
    void initTestCase()
    {
        if (isRedis()) {
            m_redis = std::make_unique<RedisInstance>();
            QVERIFY2(m_redis->start(), qPrintable(m_redis->lastError()));
        }
    }

    void init()
    {
        // A fresh prefix per test keeps tests apart on the shared server.
        m_store = makeStore("test" + QByteArray::number(++m_testNumber) + ':');
        QVERIFY(m_store);
        QCOMPARE(m_store->backendName(), isRedis() ? QStringLiteral("redis") : QStringLiteral("in-process"));
    }

    void cleanup() { m_store.reset(); }

    void cleanupTestCase() { m_redis.reset(); }

    void pingAnswers()
    {
        const auto rtt = m_store->ping();
        QVERIFY2(rtt.ok(), qPrintable(rtt.ok() ? QString() : rtt.error().message));
        QVERIFY(rtt->count() >= 0);
    }

    void valuesRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addRow("ascii") << QByteArrayLiteral("hello");
        QTest::addRow("empty value") << QByteArray();
        QTest::addRow("binary with NUL and CRLF") << QByteArray("a\0b\r\nc", 6);
        QTest::addRow("64 KiB") << QByteArray(64 * 1024, 'x');
    }
    void valuesRoundTrip()
    {
        QFETCH(QByteArray, value);
        QVERIFY(m_store->set("k", value, 0ms).ok());
        const auto read = m_store->get("k");
        QVERIFY(read.ok());
        QVERIFY(read->has_value());
        QCOMPARE(read->value(), value);
    }

    void missingKeyReadsAsAbsent()
    {
        const auto read = m_store->get("never-set");
        QVERIFY(read.ok());
        QVERIFY(!read->has_value());
        QCOMPARE(m_store->remove("never-set").value(), false);
        QCOMPARE(m_store->ttl("never-set").value(), -2ms);
    }

    void overwriteReplacesValueAndExpiry()
    {
        QVERIFY(m_store->set("k", "first", 60s).ok());
        QVERIFY(m_store->ttl("k").value() > 0ms);
        QVERIFY(m_store->set("k", "second", 0ms).ok());
        QCOMPARE(m_store->get("k")->value(), QByteArrayLiteral("second"));
        QCOMPARE(m_store->ttl("k").value(), -1ms);
        QCOMPARE(m_store->remove("k").value(), true);
        QVERIFY(!m_store->get("k")->has_value());
    }

    void valueExpiresAfterTtl()
    {
        QVERIFY(m_store->set("short", "v", 200ms).ok());
        const auto remaining = m_store->ttl("short").value();
        QVERIFY2(remaining > 0ms && remaining <= 200ms, qPrintable(QString::number(remaining.count())));
        QVERIFY(m_store->get("short")->has_value());
        QVERIFY(expired("short", 200ms));
        QCOMPARE(m_store->ttl("short").value(), -2ms);
        // An expired key is absent for every operation, not only get().
        QCOMPARE(m_store->setIfAbsent("short", "again", 0ms).value(), true);
    }

    void setIfAbsentWinsExactlyOnceAcrossThreads()
    {
        constexpr int threads = 8;
        constexpr int keys = 100;
        std::vector<std::atomic<int>> winners(keys);
        std::atomic<int> failures{0};
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < keys; ++i) {
                    const auto won = m_store->setIfAbsent("race:" + QByteArray::number(i), QByteArray::number(t), 60s);
                    if (!won.ok())
                        ++failures;
                    else if (*won)
                        winners[i] += 1 + (t << 8); // count in the low bits, winner id above
                }
            });
        }
        for (auto& worker : workers)
            worker.join();
        QCOMPARE(failures.load(), 0);
        for (int i = 0; i < keys; ++i) {
            const int record = winners[i].load();
            QCOMPARE(record & 0xff, 1); // exactly one winner
            QCOMPARE(m_store->get("race:" + QByteArray::number(i))->value(), QByteArray::number(record >> 8));
        }
    }

    void incrementIsAtomicAcrossThreads()
    {
        constexpr int threads = 4;
        constexpr int perThread = 250;
        std::vector<std::vector<qint64>> seen(threads);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < perThread; ++i) {
                    const auto value = m_store->increment("counter", 1, 60s);
                    seen[t].push_back(value.ok() ? *value : -1);
                }
            });
        }
        for (auto& worker : workers)
            worker.join();
        std::vector<qint64> all;
        for (const auto& values : seen)
            all.insert(all.end(), values.begin(), values.end());
        std::sort(all.begin(), all.end());
        // Every caller saw a distinct value, and none was lost.
        for (int i = 0; i < threads * perThread; ++i)
            QCOMPARE(all[i], qint64(i + 1));
        QCOMPARE(m_store->get("counter")->value(), QByteArray::number(threads * perThread));
    }

    void incrementAppliesTtlOnlyWhenCreating()
    {
        QCOMPARE(m_store->increment("window", 5, 10s).value(), 5);
        const auto first = m_store->ttl("window").value();
        QVERIFY(first > 0ms && first <= 10s);
        // A later increment must not stretch the window.
        QCOMPARE(m_store->increment("window", -2, 60s).value(), 3);
        QVERIFY(m_store->ttl("window").value() <= 10s);

        QCOMPARE(m_store->increment("forever", 1, 0ms).value(), 1);
        QCOMPARE(m_store->ttl("forever").value(), -1ms);

        QVERIFY(m_store->set("text", "not a number", 0ms).ok());
        QVERIFY(!m_store->increment("text", 1, 0ms).ok());
    }

    void incrementedCounterExpires()
    {
        QCOMPARE(m_store->increment("attempts", 1, 200ms).value(), 1);
        QVERIFY(expired("attempts", 200ms));
        QCOMPARE(m_store->increment("attempts", 1, 200ms).value(), 1);
    }

    void setsCollectMembers()
    {
        QVERIFY(m_store->setMembers("revoked")->isEmpty());
        QVERIFY(m_store->addToSet("revoked", "jti-1", 0ms).ok());
        QVERIFY(m_store->addToSet("revoked", "jti-2", 0ms).ok());
        QVERIFY(m_store->addToSet("revoked", "jti-1", 0ms).ok());
        auto members = m_store->setMembers("revoked").value();
        std::sort(members.begin(), members.end());
        QCOMPARE(members, (QList<QByteArray>{"jti-1", "jti-2"}));
        QCOMPARE(m_store->ttl("revoked").value(), -1ms);
        // Type mismatches are errors on both backends, as in Redis.
        QVERIFY(!m_store->get("revoked").ok());
    }

    void setTtlExtendsButNeverShortens()
    {
        QVERIFY(m_store->addToSet("blocklist", "a", 60s).ok());
        QVERIFY(m_store->addToSet("blocklist", "b", 1s).ok());
        QVERIFY(m_store->ttl("blocklist").value() > 30s);
        QVERIFY(m_store->addToSet("blocklist", "c", 600s).ok());
        QVERIFY(m_store->ttl("blocklist").value() > 300s);

        QVERIFY(m_store->addToSet("short-set", "x", 200ms).ok());
        QVERIFY(expired("short-set", 200ms));
        QVERIFY(m_store->setMembers("short-set")->isEmpty());
    }

    void publishReachesSubscriber()
    {
        auto* subscriber = authshield::server::makeKeyValueSubscriber(*m_store, this);
        std::unique_ptr<KeyValueSubscriber> owner(subscriber);
        QSignalSpy resynchronised(subscriber, &KeyValueSubscriber::resynchronised);
        QSignalSpy messages(subscriber, &KeyValueSubscriber::messageReceived);
        subscriber->subscribe("revocations");
        subscriber->start();
        QVERIFY(resynchronised.wait(5000));
        QVERIFY(subscriber->isConnected());

        QVERIFY(m_store->publish("other-channel", "ignored").ok());
        QVERIFY(m_store->publish("revocations", "jti-42").ok());
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 3000);
        QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArrayLiteral("revocations"));
        QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArrayLiteral("jti-42"));

        // Subscribing later works on the live subscription.
        subscriber->subscribe("other-channel");
        QTRY_VERIFY_WITH_TIMEOUT(m_store->publish("other-channel", "now seen").ok() && messages.size() >= 2, 3000);
        QCOMPARE(messages.last().at(1).toByteArray(), QByteArrayLiteral("now seen"));
    }

    void prefixesKeepStoresApart()
    {
        if (!isRedis()) {
            // In-process stores are separate objects anyway; what matters is that a prefix does not leak
            // into what the caller sees.
            QVERIFY(m_store->set("k", "v", 0ms).ok());
            QCOMPARE(m_store->get("k")->value(), QByteArrayLiteral("v"));
            return;
        }
        auto other = makeStore("other-tenant:");
        QVERIFY(m_store->set("shared-name", "mine", 0ms).ok());
        QVERIFY(other->set("shared-name", "theirs", 0ms).ok());
        QCOMPARE(m_store->get("shared-name")->value(), QByteArrayLiteral("mine"));
        QCOMPARE(other->get("shared-name")->value(), QByteArrayLiteral("theirs"));
        QVERIFY(other->remove("shared-name").ok());
        QCOMPARE(m_store->get("shared-name")->value(), QByteArrayLiteral("mine"));

        auto* subscriber = authshield::server::makeKeyValueSubscriber(*m_store, this);
        std::unique_ptr<KeyValueSubscriber> owner(subscriber);
        QSignalSpy resynchronised(subscriber, &KeyValueSubscriber::resynchronised);
        QSignalSpy messages(subscriber, &KeyValueSubscriber::messageReceived);
        subscriber->subscribe("events");
        subscriber->start();
        QVERIFY(resynchronised.wait(5000));
        QVERIFY(other->publish("events", "from the other tenant").ok());
        QVERIFY(m_store->publish("events", "ours").ok());
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 3000);
        QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArrayLiteral("ours"));
    }

    void scriptsSurviveScriptCacheFlush()
    {
        if (!isRedis())
            QSKIP("Lua scripts exist only on the Redis backend");
        auto& redis = dynamic_cast<RedisKeyValueStore&>(*m_store);
        const QByteArray script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
        QCOMPARE(redis.evalScript(script, {"scripted"}, {"2"})->integer, 2);
        QVERIFY(redis.command({"SCRIPT", "FLUSH"}).ok());
        QCOMPARE(redis.evalScript(script, {"scripted"}, {"3"})->integer, 5);
        QCOMPARE(m_store->get("scripted")->value(), QByteArrayLiteral("5"));
    }

    void passwordProtectedServer()
    {
        if (!isRedis())
            QSKIP("authentication exists only on the Redis backend");
        RedisInstance secured(QStringLiteral("correct horse"));
        QVERIFY2(secured.start(), qPrintable(secured.lastError()));

        auto good = authshield::server::makeKeyValueStore(redisConfig(secured, QStringLiteral("correct horse")),
                                                         m_clock);
        QVERIFY(good.ok());
        QVERIFY((*good)->set("k", "v", 0ms).ok());
        QCOMPARE((*good)->get("k")->value(), QByteArrayLiteral("v"));

        auto* subscriber = authshield::server::makeKeyValueSubscriber(**good, this);
        std::unique_ptr<KeyValueSubscriber> owner(subscriber);
        QSignalSpy resynchronised(subscriber, &KeyValueSubscriber::resynchronised);
        subscriber->subscribe("c");
        subscriber->start();
        QVERIFY(resynchronised.wait(5000));

        auto bad = authshield::server::makeKeyValueStore(redisConfig(secured, QStringLiteral("wrong horse")),
                                                        m_clock);
        QVERIFY(bad.ok());
        const auto denied = (*bad)->get("k");
        QVERIFY(!denied.ok());
        QCOMPARE(denied.error().code, ErrorCode::ServiceUnavailable);
        QVERIFY2(denied.error().message.contains(QStringLiteral("authentication failed")),
                 qPrintable(denied.error().message));
        QVERIFY(!denied.error().message.contains(QStringLiteral("horse")));

        auto none = authshield::server::makeKeyValueStore(redisConfig(secured), m_clock);
        const auto anonymous = (*none)->get("k");
        QVERIFY(!anonymous.ok());
        QCOMPARE(anonymous.error().code, ErrorCode::ServiceUnavailable);
        QVERIFY2(anonymous.error().message.contains(QStringLiteral("NOAUTH")), qPrintable(anonymous.error().message));
    }

    void outageFailsFastAndRecovers()
    {
        if (!isRedis())
            QSKIP("the in-process store cannot be unavailable");
        RedisInstance flaky;
        QVERIFY2(flaky.start(), qPrintable(flaky.lastError()));
        auto store = authshield::server::makeKeyValueStore(redisConfig(flaky), m_clock);
        QVERIFY(store.ok());
        QVERIFY((*store)->set("k", "before", 0ms).ok());

        auto* subscriber = authshield::server::makeKeyValueSubscriber(**store, this);
        std::unique_ptr<KeyValueSubscriber> owner(subscriber);
        QSignalSpy resynchronised(subscriber, &KeyValueSubscriber::resynchronised);
        QSignalSpy states(subscriber, &KeyValueSubscriber::connectionStateChanged);
        QSignalSpy messages(subscriber, &KeyValueSubscriber::messageReceived);
        subscriber->subscribe("revocations");
        subscriber->start();
        QVERIFY(resynchronised.wait(5000));

        flaky.stop();
        QElapsedTimer timer;
        for (int i = 0; i < 20; ++i) {
            timer.start();
            const auto result = (*store)->get("k");
            QVERIFY(!result.ok());
            QCOMPARE(result.error().code, ErrorCode::ServiceUnavailable);
            QVERIFY2(result.error().message.startsWith(QStringLiteral("redis unavailable")),
                     qPrintable(result.error().message));
            QVERIFY2(timer.elapsed() < commandTimeout.count() + 500, qPrintable(QString::number(timer.elapsed())));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!subscriber->isConnected(), 3000);
        QCOMPARE(states.last().at(0).toBool(), false);

        QVERIFY2(flaky.restart(), qPrintable(flaky.lastError()));
        // The same store object recovers by itself (data is gone: the server does not persist).
        QTRY_VERIFY_WITH_TIMEOUT((*store)->set("k", "after", 0ms).ok(), 3000);
        QCOMPARE((*store)->get("k")->value(), QByteArrayLiteral("after"));

        QTRY_COMPARE_WITH_TIMEOUT(resynchronised.size(), 2, 5000);
        QVERIFY(subscriber->isConnected());
        QCOMPARE(states.last().at(0).toBool(), true);
        QVERIFY((*store)->publish("revocations", "after restart").ok());
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, 3000);
        QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArrayLiteral("after restart"));
    }

    void hungServerIsBoundedByCommandTimeout()
    {
        if (!isRedis())
            QSKIP("the in-process store cannot hang");
        RedisInstance frozen;
        QVERIFY2(frozen.start(), qPrintable(frozen.lastError()));
        auto store = authshield::server::makeKeyValueStore(redisConfig(frozen), m_clock);
        QVERIFY((*store)->set("k", "v", 0ms).ok());

        frozen.pause();
        QElapsedTimer timer;
        timer.start();
        const auto result = (*store)->get("k");
        const qint64 elapsed = timer.elapsed();
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::ServiceUnavailable);
        QVERIFY2(elapsed >= commandTimeout.count() - 50 && elapsed < commandTimeout.count() + 700,
                 qPrintable(QString::number(elapsed)));
        // Right after a failure calls fail at once instead of queueing behind the dead server.
        timer.start();
        QVERIFY(!(*store)->get("k").ok());
        QVERIFY2(timer.elapsed() < 100, qPrintable(QString::number(timer.elapsed())));

        frozen.resume();
        QTRY_VERIFY_WITH_TIMEOUT((*store)->get("k").ok(), 3000);
        QCOMPARE((*store)->get("k")->value(), QByteArrayLiteral("v"));
    }
};

QTEST_GUILESS_MAIN(TestKeyValue)
#include "tst_keyvalue.moc"
