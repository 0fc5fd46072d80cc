#include "server/audit/AuditLog.h"
#include "server/core/Metrics.h"
#include "server/http/PolicyRateLimitGuard.h"
#include "server/ratelimit/InProcessRateLimiter.h"
#include "server/ratelimit/RateLimitService.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/Database.h"
#include "server/storage/InProcessKeyValueStore.h"
#include "tests/support/FakeClock.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace authshield;
using namespace authshield::server;
using namespace authshield::test;
using namespace std::chrono_literals;

namespace {
// Always fails, like a Redis that went away.
class DownLimiter final : public RateLimiter
{
public:
    QString backendName() const override { return QStringLiteral("redis"); }
    Result<RateLimitDecision> hit(const QByteArray&, const RateLimitRule&) override
    {
        ++calls;
        if (up)
            return RateLimitDecision{true, 100, 99, 1000ms};
        return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("connection refused"));
    }
    std::atomic<int> calls{0};
    std::atomic<bool> up{false};
};

// Stands in for Redis: one shared sliding-window log behind several instances, counting round trips.
class SharedLimiter final : public RateLimiter
{
public:
    explicit SharedLimiter(const Clock& clock) : m_log(clock) {}
    QString backendName() const override { return QStringLiteral("redis"); }
    Result<RateLimitDecision> hit(const QByteArray& key, const RateLimitRule& rule) override
    {
        ++roundTrips;
        return m_log.hit(key, rule);
    }
    Result<RateLimitReservation> reserve(const QByteArray& key, const RateLimitRule& rule, int count) override
    {
        ++roundTrips;
        RateLimitReservation reservation;
        for (int i = 0; i < count; ++i) {
            const Result<RateLimitDecision> decision = m_log.hit(key, rule);
            if (!decision)
                return decision.error();
            if (!decision->allowed)
                break;
            ++reservation.granted;
            reservation.decision = *decision;
        }
        if (reservation.granted == 0)
            reservation.decision = *m_log.hit(key, rule);
        return reservation;
    }
    std::atomic<int> roundTrips{0};

private:
    InProcessRateLimiter m_log;
};
} // namespace

// The sliding-window log, the policies behind it and the pipeline guard's answers, on a clock the test moves.
class TestRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_clock = std::make_unique<FakeClock>();
        m_database = std::make_unique<Database>(DatabaseConfig{}, m_dir.path());
        m_store = std::make_unique<InProcessKeyValueStore>(*m_clock);
        m_audit = std::make_unique<AuditLog>(*m_database, *m_clock);
        ServerConfig config;
        config.ratelimit.loginIp = RateLimitRule{3, 10s};
        config.ratelimit.globalIp = RateLimitRule{5, 60s};
        m_settings = std::make_unique<SecuritySettings>(SecurityPolicy::fromConfig(config), *m_database, *m_store,
                                                        *m_audit, *m_clock, nullptr);
    }

    void admitsExactlyTheLimitPerWindow()
    {
        InProcessRateLimiter limiter(*m_clock);
        const RateLimitRule rule{3, 10s};
        for (int i = 0; i < 3; ++i) {
            const auto decision = limiter.hit("k", rule);
            QVERIFY(decision->allowed);
            QCOMPARE(decision->remaining, 2 - i);
            m_clock->advance(1s);
        }
        const auto refused = limiter.hit("k", rule);
        QVERIFY(!refused->allowed);
        QCOMPARE(refused->remaining, 0);
        QCOMPARE(refused->resetAfter, 7000ms); // the first request leaves the window 10 s after it came
        QVERIFY(limiter.hit("other", rule)->allowed); // keys are independent
        m_clock->advance(6999ms);
        QVERIFY(!limiter.hit("k", rule)->allowed);
        m_clock->advance(1ms);
        QVERIFY(limiter.hit("k", rule)->allowed); // one slot came free …
        QVERIFY(!limiter.hit("k", rule)->allowed); // … and only one
    }

    void rejectedRequestsDoNotExtendTheWindow()
    {
        InProcessRateLimiter limiter(*m_clock);
        const RateLimitRule rule{2, 5s};
        QVERIFY(limiter.hit("k", rule)->allowed);
        QVERIFY(limiter.hit("k", rule)->allowed);
        for (int i = 0; i < 50; ++i) {
            QVERIFY(!limiter.hit("k", rule)->allowed);
            m_clock->advance(50ms);
        }
        m_clock->advance(2500ms);
        QVERIFY(limiter.hit("k", rule)->allowed);
    }

    void parallelHitsNeverOvershoot()
    {
        InProcessRateLimiter limiter(*m_clock);
        const RateLimitRule rule{100, 60s};
        std::atomic<int> admitted{0};
        QList<QThread*> threads;
        for (int t = 0; t < 8; ++t) {
            threads.append(QThread::create([&] {
                for (int i = 0; i < 50; ++i) {
                    if (limiter.hit("shared", rule)->allowed)
                        ++admitted;
                }
            }));
            threads.last()->start();
        }
        for (QThread* thread : threads) {
            QVERIFY(thread->wait(30000));
            delete thread;
        }
        QCOMPARE(admitted.load(), 100);
    }

    void memoryStaysBounded()
    {
        InProcessRateLimiter limiter(*m_clock, 16 * 1000);
        const RateLimitRule rule{5, 1s};
        for (int i = 0; i < 50000; ++i)
            QVERIFY(limiter.hit(QByteArray::number(i), rule).ok());
        QVERIFY2(limiter.keyCount() <= 16 * 1000, qPrintable(QString::number(limiter.keyCount())));
        m_clock->advance(2s); // every log aged out: the next sweeps drop them
        for (int i = 0; i < 20000; ++i)
            QVERIFY(limiter.hit("fresh" + QByteArray::number(i), rule).ok());
        QVERIFY(limiter.keyCount() <= 16 * 1000);
    }

    void policiesValidateChanges_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("field");
        QTest::addRow("unknown policy") << R"({"ratelimit":{"nope_ip":{"count":1}}})" << "ratelimit.nope_ip";
        QTest::addRow("zero count") << R"({"ratelimit":{"login_ip":{"count":0}}})" << "ratelimit.login_ip.count";
        QTest::addRow("fractional window") << R"({"ratelimit":{"login_ip":{"window_seconds":1.5}}})"
                                           << "ratelimit.login_ip.window_seconds";
        QTest::addRow("string count") << R"({"ratelimit":{"login_ip":{"count":"5"}}})" << "ratelimit.login_ip.count";
        QTest::addRow("lockout escalate not bool") << R"({"lockout":{"escalate":1}})" << "lockout.escalate";
        QTest::addRow("cap below duration") << R"({"lockout":{"duration_seconds":600,"max_duration_seconds":60}})"
                                            << "lockout.max_duration_seconds";
        QTest::addRow("unknown section") << R"({"password":{}})" << "password";
    }
    void policiesValidateChanges()
    {
        QFETCH(QString, change);
        QFETCH(QString, field);
        const SecurityPolicy policy = *m_settings->current();
        const Result<SecurityPolicy> changed = policy.changedBy(QJsonDocument::fromJson(change.toUtf8()).object());
        QVERIFY(!changed.ok());
        QCOMPARE(changed.error().code, ErrorCode::ValidationFailed);
        QVERIFY2(changed.error().fields.contains(field), qPrintable(changed.error().fields.keys().join(u',')));
    }

    void validChangeIsApplied()
    {
        const SecurityPolicy before = *m_settings->current();
        const Result<SecurityPolicy> after = before.changedBy(QJsonDocument::fromJson(
            R"({"ratelimit":{"login_ip":{"count":7,"window_seconds":30}},"lockout":{"max_failures":3}})").object());
        QVERIFY(after.ok());
        QCOMPARE(after->rule(QStringLiteral("login_ip"))->count, 7);
        QCOMPARE(after->rule(QStringLiteral("login_ip"))->window, 30s);
        QCOMPARE(after->lockout.maxFailures, 3);
        const QJsonObject differences = before.differencesTo(*after);
        QCOMPARE(differences.value(QStringLiteral("ratelimit.login_ip")).toObject().value(QStringLiteral("to")).toString(),
                 QStringLiteral("7/30s"));
        QVERIFY(differences.contains(QStringLiteral("lockout.max_failures")));
        QCOMPARE(differences.size(), 2);
    }

    void guardAnswers429WithHeaders()
    {
        RateLimitService service(*m_settings, std::make_unique<InProcessRateLimiter>(*m_clock), nullptr, true,
                                 *m_clock);
        MetricsRegistry registry;
        CounterFamily& rejections = registry.counter(QStringLiteral("rejections"), QStringLiteral("r"), {QStringLiteral("policy")});
        service.setRejectionCounter(&rejections);
        PolicyRateLimitGuard guard(service);
        HttpRequest request;
        request.clientAddress = QHostAddress(QStringLiteral("203.0.113.9"));
        const QStringList policies{QStringLiteral("login_ip"), QStringLiteral("global_ip"), QStringLiteral("login_account")};
        for (int i = 0; i < 3; ++i) {
            RequestContext context;
            QVERIFY(!guard.check(request, policies, context).has_value());
            // The headers of the policy closest to its limit: login_ip (3 per 10 s).
            QCOMPARE(header(context.responseHeaders, "RateLimit-Limit"), QByteArray("3"));
            QCOMPARE(header(context.responseHeaders, "RateLimit-Remaining"), QByteArray::number(2 - i));
            QCOMPARE(header(context.responseHeaders, "RateLimit-Reset"), QByteArray("10"));
        }
        RequestContext context;
        const std::optional<HttpResponse> refused = guard.check(request, policies, context);
        QVERIFY(refused.has_value());
        QCOMPARE(refused->status, 429);
        QCOMPARE(refused->header("Retry-After"), QByteArray("10"));
        QCOMPARE(refused->header("RateLimit-Limit"), QByteArray("3"));
        QCOMPARE(refused->header("RateLimit-Remaining"), QByteArray("0"));
        QCOMPARE(refused->header("RateLimit-Reset"), QByteArray("10"));
        QCOMPARE(QJsonDocument::fromJson(refused->body).object().value(QStringLiteral("error")).toObject()
                     .value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
        QCOMPARE(rejections.labels({QStringLiteral("login_ip")}).value(), 1.0);

        HttpRequest other = request;
        other.clientAddress = QHostAddress(QStringLiteral("203.0.113.10"));
        RequestContext otherContext;
        QVERIFY(!guard.check(other, policies, otherContext).has_value()); // per address
        m_clock->advance(10s);
        RequestContext later;
        QVERIFY(!guard.check(request, policies, later).has_value()); // recovered after the window
    }

    void sharedLimiterOutage_data()
    {
        QTest::addColumn<bool>("failOpen");
        QTest::addRow("fail open") << true;
        QTest::addRow("fail closed") << false;
    }
    void sharedLimiterOutage()
    {
        QFETCH(bool, failOpen);
        auto down = std::make_unique<DownLimiter>();
        DownLimiter* shared = down.get();
        RateLimitService service(*m_settings, std::move(down), std::make_unique<InProcessRateLimiter>(*m_clock),
                                 failOpen, *m_clock);
        for (int i = 0; i < 5; ++i) {
            const Result<RateLimitOutcome> outcome = service.hit(QStringLiteral("login_ip"), QStringLiteral("a"));
            if (failOpen) {
                QVERIFY(outcome.ok());
                QCOMPARE(outcome->decision.allowed, i < 3); // the local limiter enforces the same policy
            } else {
                QVERIFY(!outcome.ok());
                QCOMPARE(outcome.error().code, ErrorCode::ServiceUnavailable);
            }
        }
        QVERIFY(service.isDegraded());
        QCOMPARE(shared->calls.load(), 1); // retried at most once per probe interval, not per request
        shared->up = true;
        m_clock->advance(1001ms);
        QVERIFY(service.hit(QStringLiteral("login_ip"), QStringLiteral("b"))->decision.allowed);
        QVERIFY(!service.isDegraded());
        QCOMPARE(shared->calls.load(), 2);
    }

    void globalLimitHoldsAcrossInstancesWithFewRoundTrips()
    {
        ServerConfig config;
        config.ratelimit.globalIp = RateLimitRule{200, 60s};
        config.ratelimit.loginIp = RateLimitRule{200, 60s};
        SecuritySettings settings(SecurityPolicy::fromConfig(config), *m_database, *m_store, *m_audit, *m_clock,
                                  nullptr);
        auto sharedOwner = std::make_unique<SharedLimiter>(*m_clock);
        SharedLimiter* shared = sharedOwner.get();
        // Two instances, one shared log: the second forwards to the first's limiter.
        class Forward final : public RateLimiter
        {
        public:
            explicit Forward(RateLimiter& target) : m_target(target) {}
            QString backendName() const override { return m_target.backendName(); }
            Result<RateLimitDecision> hit(const QByteArray& k, const RateLimitRule& r) override
            {
                return m_target.hit(k, r);
            }
            Result<RateLimitReservation> reserve(const QByteArray& k, const RateLimitRule& r, int n) override
            {
                return m_target.reserve(k, r, n);
            }
        private:
            RateLimiter& m_target;
        };
        RateLimitService first(settings, std::move(sharedOwner), std::make_unique<InProcessRateLimiter>(*m_clock),
                               true, *m_clock);
        RateLimitService second(settings, std::make_unique<Forward>(*shared),
                                std::make_unique<InProcessRateLimiter>(*m_clock), true, *m_clock);

        int admitted = 0;
        for (int i = 0; i < 300; ++i) {
            RateLimitService& instance = i % 2 ? second : first;
            const Result<RateLimitOutcome> outcome = instance.hit(QStringLiteral("global_ip"), QStringLiteral("a"));
            QVERIFY(outcome.ok());
            admitted += outcome->decision.allowed ? 1 : 0;
            if (i == 199)
                QVERIFY2(shared->roundTrips.load() <= 22, qPrintable(QString::number(shared->roundTrips.load())));
        }
        QCOMPARE(admitted, 200); // never more than the limit in total, and leases used up before refusing
        m_clock->advance(58s); // still inside the window: nobody is admitted
        QVERIFY(!first.hit(QStringLiteral("global_ip"), QStringLiteral("a"))->decision.allowed);
        QVERIFY(!second.hit(QStringLiteral("global_ip"), QStringLiteral("a"))->decision.allowed);
        m_clock->advance(3s);
        QVERIFY(first.hit(QStringLiteral("global_ip"), QStringLiteral("a"))->decision.allowed);

        // Other policies stay exact: one shared round trip per request.
        const int before = shared->roundTrips.load();
        for (int i = 0; i < 10; ++i)
            QVERIFY(first.hit(QStringLiteral("login_ip"), QStringLiteral("a"))->decision.allowed);
        QCOMPARE(shared->roundTrips.load() - before, 10);
    }

    void metricsRenderInTextFormat()
    {
        MetricsRegistry registry;
        CounterFamily& requests = registry.counter(QStringLiteral("demo_requests_total"), QStringLiteral("Requests"),
                                                   {QStringLiteral("route"), QStringLiteral("status")});
        HistogramFamily& latency = registry.histogram(QStringLiteral("demo_seconds"), QStringLiteral("Latency"),
                                                      {QStringLiteral("route")}, {0.1, 1.0});
        GaugeFamily& gauge = registry.gauge(QStringLiteral("demo_gauge"), QStringLiteral("A \"gauge\""));
        requests.labels({QStringLiteral("/a"), QStringLiteral("200")}).increment();
        requests.labels({QStringLiteral("/a"), QStringLiteral("200")}).increment(2);
        requests.labels({QStringLiteral("/b\"x"), QStringLiteral("429")}).increment();
        latency.labels({QStringLiteral("/a")}).observe(0.0625);
        latency.labels({QStringLiteral("/a")}).observe(0.5);
        latency.labels({QStringLiteral("/a")}).observe(4);
        gauge.only().set(2.5);
        const QByteArray text = registry.render();
        QVERIFY(text.contains("# TYPE demo_requests_total counter\n"));
        QVERIFY(text.contains("demo_requests_total{route=\"/a\",status=\"200\"} 3\n"));
        QVERIFY(text.contains("demo_requests_total{route=\"/b\\\"x\",status=\"429\"} 1\n"));
        QVERIFY(text.contains("# TYPE demo_seconds histogram\n"));
        QVERIFY(text.contains("demo_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"));
        QVERIFY(text.contains("demo_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"));
        QVERIFY(text.contains("demo_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
        QVERIFY(text.contains("demo_seconds_count{route=\"/a\"} 3\n"));
        QVERIFY(text.contains("demo_seconds_sum{route=\"/a\"} 4.5625\n"));
        QVERIFY(text.contains("demo_gauge 2.5\n"));
    }

private:
    static QByteArray header(const QList<QPair<QByteArray, QByteArray>>& headers, const QByteArray& name)
    {
        for (const auto& [key, value] : headers) {
            if (key == name)
                return value;
        }
        return {};
    }

    QTemporaryDir m_dir;
    std::unique_ptr<FakeClock> m_clock;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<InProcessKeyValueStore> m_store;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<SecuritySettings> m_settings;
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_rate_limiter.moc"
