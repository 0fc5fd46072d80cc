#include "server/core/Log.h"
#include "server/http/HttpServer.h"
#include "server/http/JsonBody.h"
#include "server/http/RequestPipeline.h"
#include "server/http/Router.h"
#include "server/http/SlowWorkPool.h"
#include "tests/support/TestHttpClient.h"

#include <QJsonArray>
#include <QMutex>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <stdexcept>

using namespace authshield;
using namespace authshield::server;
using authshield::test::TestHttpClient;
using authshield::test::TestResponse;

namespace {
std::atomic<int> g_slowStarted{0};
QMutex g_logMutex;
QByteArrayList g_logLines;

void captureLog(const QByteArray& line)
{
    QMutexLocker locker(&g_logMutex);
    g_logLines.append(line);
}

class FakeAuthenticator final : public Authenticator
{
public:
    Result<Principal> authenticate(const QByteArray& token) override
    {
        if (token != "good-token")
            return Error::make(ErrorCode::InvalidToken, QStringLiteral("token is not valid"));
        Principal principal;
        principal.userId = QStringLiteral("u1");
        principal.permissions = {QStringLiteral("things.read")};
        return principal;
    }
};


// A server on a real socket with routes that exercise every part of the layer.
struct TestServer
{
    Router router;
    FakeAuthenticator authenticator;
    std::unique_ptr<RequestPipeline> pipeline;
    std::unique_ptr<SlowWorkPool> pool;
    std::unique_ptr<HttpServer> server;
    HttpConfig config;

    explicit TestServer(HttpConfig httpConfig, QList<Cidr> trustedProxies = {})
        : config(std::move(httpConfig))
    {
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        router.add(HttpMethod::Get, QStringLiteral("/fast"), [](const HttpRequest&, RequestContext&) {
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("ok"), true}});
        });
        router.add(
            HttpMethod::Get, QStringLiteral("/slow"),
            [](const HttpRequest& request, RequestContext&) {
                ++g_slowStarted;
                QThread::msleep(request.query.queryItemValue(QStringLiteral("ms")).toUInt());
                return HttpResponse::json(200, QJsonObject{{QStringLiteral("slow"), true}});
            },
            RouteOptions{.slow = true});
        router.add(
            HttpMethod::Post, QStringLiteral("/echo"),
            [](const HttpRequest& request, RequestContext&) {
                Result<QJsonObject> body = parseJsonObject(request.body);
                if (!body)
                    return HttpResponse::error(body.error());
                JsonFields fields(*body);
                const QString name = fields.requiredString(QStringLiteral("name"), 10);
                const auto age = fields.optionalInteger(QStringLiteral("age"), 0, 150);
                if (!fields.ok())
                    return HttpResponse::error(fields.error());
                return HttpResponse::json(200, QJsonObject{{QStringLiteral("name"), name},
                                                           {QStringLiteral("age"), age.value_or(-1)}});
            },
            RouteOptions{.jsonBody = true});
        router.add(HttpMethod::Get, QStringLiteral("/boom"), [](const HttpRequest&, RequestContext&) -> HttpResponse {
            throw std::runtime_error("handler bug");
        });
        router.add(HttpMethod::Get, QStringLiteral("/ip"), [](const HttpRequest& request, RequestContext&) {
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("ip"), request.clientAddress.toString()}});
        });
        router.add(HttpMethod::Get, QStringLiteral("/items/{id}"), [](const HttpRequest& request, RequestContext&) {
            return HttpResponse::json(200, QJsonObject{{QStringLiteral("id"), request.pathParam(QStringLiteral("id"))}});
        });
        router.add(HttpMethod::Delete, QStringLiteral("/items/{id}"), [](const HttpRequest&, RequestContext&) {
            return HttpResponse::noContent();
        });
        router.add(
            HttpMethod::Get, QStringLiteral("/things"),
            [](const HttpRequest&, RequestContext& context) {
                return HttpResponse::json(200, QJsonObject{{QStringLiteral("user"), context.principal->userId}});
            },
            RouteOptions{.auth = Auth::Bearer, .permission = QStringLiteral("things.read")});
        router.add(
            HttpMethod::Post, QStringLiteral("/things"),
            [](const HttpRequest&, RequestContext&) { return HttpResponse::noContent(); },
            RouteOptions{.auth = Auth::Bearer, .permission = QStringLiteral("things.write"), .jsonBody = true});

        pipeline = std::make_unique<RequestPipeline>(router, PipelineOptions{trustedProxies, false, true});
        pipeline->setAuthenticator(&authenticator);
        pool = std::make_unique<SlowWorkPool>(config.slowPoolThreads > 0 ? config.slowPoolThreads : 2,
                                              config.slowPoolMaxInFlight);
        server = std::make_unique<HttpServer>(config, *pipeline, *pool, nullptr);
    }

    quint16 start()
    {
        Result<quint16> port = server->start();
        return port ? *port : 0;
    }
};

HttpConfig defaultConfig()
{
    HttpConfig config;
    config.threads = 2;
    config.maxBodyBytes = 1024;
    config.maxHeaderBytes = 2048;
    config.headerTimeout = std::chrono::milliseconds(600);
    config.idleTimeout = std::chrono::milliseconds(800);
    config.slowPoolThreads = 2;
    config.slowPoolMaxInFlight = 64;
    return config;
}
} // namespace

class TestHttpLayer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { Log::setSink(&captureLog); }
    void cleanupTestCase() { Log::setSink(nullptr); }

    void errorEnvelope_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addRow("unknown path") << QByteArray("GET") << QByteArray("/nope") << QByteArray() << QByteArray() << 404
                                      << "not_found";
        QTest::addRow("wrong method") << QByteArray("PUT") << QByteArray("/fast") << QByteArray() << QByteArray()
                                      << 405 << "method_not_allowed";
        QTest::addRow("malformed json") << QByteArray("POST") << QByteArray("/echo") << QByteArray("{\"name\":")
                                        << QByteArray("application/json") << 400 << "malformed_json";
        QTest::addRow("json array instead of object") << QByteArray("POST") << QByteArray("/echo")
                                                      << QByteArray("[1,2]") << QByteArray("application/json") << 400
                                                      << "malformed_json";
        QTest::addRow("invalid utf-8") << QByteArray("POST") << QByteArray("/echo") << QByteArray("{\"name\":\"\xff\xfe\"}")
                                       << QByteArray("application/json") << 400 << "malformed_json";
        QTest::addRow("nesting too deep") << QByteArray("POST") << QByteArray("/echo")
                                          << QByteArray("{\"a\":[[[[[[[[[[1]]]]]]]]]]}") << QByteArray("application/json")
                                          << 400 << "malformed_json";
        QTest::addRow("wrong content type") << QByteArray("POST") << QByteArray("/echo") << QByteArray("name=x")
                                            << QByteArray("application/x-www-form-urlencoded") << 415
                                            << "unsupported_media_type";
        QTest::addRow("json with foreign charset") << QByteArray("POST") << QByteArray("/echo")
                                                   << QByteArray("{\"name\":\"x\"}")
                                                   << QByteArray("application/json; charset=latin1") << 415
                                                   << "unsupported_media_type";
        QTest::addRow("missing field") << QByteArray("POST") << QByteArray("/echo") << QByteArray("{}")
                                       << QByteArray("application/json") << 422 << "validation_failed";
        QTest::addRow("body on a body-less route") << QByteArray("DELETE") << QByteArray("/items/1")
                                                   << QByteArray("{}") << QByteArray("application/json") << 400
                                                   << "invalid_request";
        QTest::addRow("handler throws") << QByteArray("GET") << QByteArray("/boom") << QByteArray() << QByteArray()
                                        << 500 << "internal_error";
        QTest::addRow("no bearer token") << QByteArray("GET") << QByteArray("/things") << QByteArray() << QByteArray()
                                         << 401 << "invalid_token";
    }
    void errorEnvelope()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!contentType.isEmpty())
            headers.append({"Content-Type", contentType});
        const TestResponse response = client.request(method, path, body, headers);
        QCOMPARE(response.status, status);
        QCOMPARE(response.header("content-type"), QByteArray("application/json"));
        const QJsonObject error = response.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        QCOMPARE(error.value(QStringLiteral("request_id")).toString().toLatin1(), response.header("x-request-id"));
        // The connection survives every one of these: the next request on it works.
        QCOMPARE(client.get("/fast").status, 200);
    }

    void methodNotAllowedListsAllowedMethods()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse response = client.request("POST", "/items/7", "{}");
        QCOMPARE(response.status, 405);
        const QByteArray allow = response.header("allow");
        QVERIFY2(allow.contains("GET") && allow.contains("DELETE"), allow.constData());
    }

    void validationNamesEveryBadField()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse response = client.request("POST", "/echo", R"({"name":"far too long a name","age":"x"})");
        QCOMPARE(response.status, 422);
        const QJsonObject fields
            = response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("fields")).toObject();
        QCOMPARE(fields.value(QStringLiteral("name")).toString(), QStringLiteral("must be at most 10 characters"));
        QCOMPARE(fields.value(QStringLiteral("age")).toString(), QStringLiteral("must be a whole number"));
    }

    void validBodyAndPathParams()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse echo = client.request("POST", "/echo", R"({"name":"Ada","age":36})");
        QCOMPARE(echo.status, 200);
        QCOMPARE(echo.json().value(QStringLiteral("age")).toInt(), 36);
        const TestResponse item = client.get("/items/abc-123");
        QCOMPARE(item.json().value(QStringLiteral("id")).toString(), QStringLiteral("abc-123"));
    }

    void authGuard()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse bad = client.get("/things", {{"Authorization", "Bearer forged"}});
        QCOMPARE(bad.status, 401);
        QCOMPARE(bad.header("www-authenticate"), QByteArray("Bearer error=\"invalid_token\""));
        const TestResponse good = client.get("/things", {{"Authorization", "Bearer good-token"}});
        QCOMPARE(good.status, 200);
        QCOMPARE(good.json().value(QStringLiteral("user")).toString(), QStringLiteral("u1"));
        const TestResponse forbidden = client.request("POST", "/things", "{}", {{"Authorization", "Bearer good-token"}});
        QCOMPARE(forbidden.status, 403);
        QCOMPARE(forbidden.errorCode(), QStringLiteral("forbidden"));
        const TestResponse twoHeaders = client.get(
            "/things", {{"Authorization", "Bearer good-token"}, {"Authorization", "Bearer good-token"}});
        QCOMPARE(twoHeaders.status, 400);
        QCOMPARE(twoHeaders.errorCode(), QStringLiteral("invalid_request"));
    }

    void securityHeadersOnEveryAnswer_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addRow("success") << QByteArray("/fast");
        QTest::addRow("not found") << QByteArray("/missing");
        QTest::addRow("slow route") << QByteArray("/slow?ms=1");
    }
    void securityHeadersOnEveryAnswer()
    {
        QFETCH(QByteArray, path);
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse response = client.get(path);
        QVERIFY(response.status > 0);
        QCOMPARE(response.header("x-content-type-options"), QByteArray("nosniff"));
        QCOMPARE(response.header("x-frame-options"), QByteArray("DENY"));
        QCOMPARE(response.header("referrer-policy"), QByteArray("no-referrer"));
        QVERIFY(response.header("content-security-policy").startsWith("default-src 'none'"));
        QCOMPARE(response.header("cache-control"), QByteArray("no-store"));
        QVERIFY(response.header("strict-transport-security").isEmpty()); // only in prod
        QCOMPARE(response.header("x-request-id").size(), 32);
    }

    void requestIdIsEchoedWhenSane_data()
    {
        QTest::addColumn<QByteArray>("incoming");
        QTest::addColumn<bool>("kept");
        QTest::addRow("sane id") << QByteArray("abc-123_x.y:z") << true;
        QTest::addRow("header injection attempt") << QByteArray("abc\tdef") << false;
        QTest::addRow("too long") << QByteArray(200, 'a') << false;
        QTest::addRow("odd characters") << QByteArray("<script>") << false;
    }
    void requestIdIsEchoedWhenSane()
    {
        QFETCH(QByteArray, incoming);
        QFETCH(bool, kept);
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse response = client.get("/fast", {{"X-Request-ID", incoming}});
        QCOMPARE(response.status, 200);
        if (kept)
            QCOMPARE(response.header("x-request-id"), incoming);
        else
            QCOMPARE(response.header("x-request-id").size(), 32);
    }

    void clientAddressHonoursOnlyTrustedProxies_data()
    {
        QTest::addColumn<QString>("trusted");
        QTest::addColumn<QByteArray>("forwardedFor");
        QTest::addColumn<QString>("expected");
        QTest::addRow("no proxies configured: header ignored") << "" << QByteArray("203.0.113.9") << "127.0.0.1";
        QTest::addRow("peer is a trusted proxy") << "127.0.0.0/8" << QByteArray("203.0.113.9") << "203.0.113.9";
        QTest::addRow("spoofed left part ignored") << "127.0.0.0/8,10.0.0.0/8"
                                                   << QByteArray("1.2.3.4, 203.0.113.9, 10.0.0.2") << "203.0.113.9";
        QTest::addRow("garbage hop stops the walk") << "127.0.0.0/8" << QByteArray("203.0.113.9, junk")
                                                    << "127.0.0.1";
        QTest::addRow("peer not trusted") << "10.0.0.0/8" << QByteArray("203.0.113.9") << "127.0.0.1";
    }
    void clientAddressHonoursOnlyTrustedProxies()
    {
        QFETCH(QString, trusted);
        QFETCH(QByteArray, forwardedFor);
        QFETCH(QString, expected);
        QList<Cidr> proxies;
        for (const QString& part : trusted.split(QLatin1Char(','), Qt::SkipEmptyParts))
            proxies.append(*Cidr::parse(part));
        TestServer server(defaultConfig(), proxies);
        TestHttpClient client(server.start());
        const TestResponse response = client.get("/ip", {{"X-Forwarded-For", forwardedFor}});
        QCOMPARE(response.json().value(QStringLiteral("ip")).toString(), expected);
    }

    void bodyLargerThanLimitIsRefusedBeforeItArrives()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        // Announce 10 MB but send none of it: the answer must come from the head alone.
        client.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 10000000\r\n\r\n");
        const TestResponse response = client.readResponse(3000);
        QCOMPARE(response.status, 413);
        QCOMPARE(response.errorCode(), QStringLiteral("payload_too_large"));
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QVERIFY(client.waitForDisconnect(3000));
    }

    void expectContinueGetsInterimAnswerOrRefusal()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Expect: 100-continue\r\nContent-Length: 14\r\n\r\n");
        QCOMPARE(client.readResponse(3000).status, 100);
        client.sendRaw("{\"name\":\"Ada\"}");
        QCOMPARE(client.readResponse(3000).status, 200);

        TestHttpClient big(server.server->port());
        big.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Expect: 100-continue\r\nContent-Length: 999999\r\n\r\n");
        QCOMPARE(big.readResponse(3000).status, 413);
    }

    void chunkedBodyIsCountedAgainstTheLimit()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n");
        const QByteArray chunk = QByteArray::number(1000, 16) + "\r\n" + QByteArray(1000, 'a') + "\r\n";
        for (int i = 0; i < 3 && client.isConnected(); ++i)
            client.sendRaw(chunk);
        const TestResponse response = client.readResponse(3000);
        QCOMPARE(response.status, 413);
    }

    void smallChunkedBodyIsAccepted()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\ne\r\n{\"name\":\"Ada\"}\r\n0\r\n\r\n");
        const TestResponse response = client.readResponse(3000);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json().value(QStringLiteral("name")).toString(), QStringLiteral("Ada"));
    }

    void ambiguousFramingIsRefused_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addRow("content-length and chunked")
            << QByteArray("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n");
        QTest::addRow("two different lengths")
            << QByteArray("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
        QTest::addRow("negative length") << QByteArray("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n");
        QTest::addRow("unknown transfer coding")
            << QByteArray("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
    }
    void ambiguousFramingIsRefused()
    {
        QFETCH(QByteArray, head);
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw(head);
        const TestResponse response = client.readResponse(3000);
        QCOMPARE(response.status, 400);
        QCOMPARE(response.errorCode(), QStringLiteral("invalid_request"));
        QVERIFY(client.waitForDisconnect(3000));
    }

    void oversizedHeadIsRefused()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        const TestResponse response = client.get("/fast", {{"X-Padding", QByteArray(4000, 'p')}});
        QCOMPARE(response.status, 431);
        QCOMPARE(response.errorCode(), QStringLiteral("headers_too_large"));
    }

    void endlessHeadWithoutTerminatorIsRefused()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw("GET /fast HTTP/1.1\r\n");
        for (int i = 0; i < 100 && client.isConnected(); ++i)
            client.sendRaw("X-Header-" + QByteArray::number(i) + ": " + QByteArray(100, 'v') + "\r\n");
        QCOMPARE(client.readResponse(3000).status, 431);
    }

    void slowHeadTimesOut()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        client.sendRaw("GET /fast HTTP/1.1\r\nHost: x\r\n"); // and never the blank line
        const TestResponse response = client.readResponse(5000);
        QCOMPARE(response.status, 408);
        QVERIFY(client.waitForDisconnect(3000));
    }

    void idleKeepAliveConnectionIsClosed()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        QCOMPARE(client.get("/fast").status, 200);
        QVERIFY(client.waitForDisconnect(5000)); // idle timeout is 800 ms here
        // The server deletes its side later in its own thread.
        QTRY_COMPARE_WITH_TIMEOUT(server.server->openConnections(), 0, 5000);
    }

    void connectionLimitAnswers503()
    {
        HttpConfig config = defaultConfig();
        config.maxConnections = 3;
        TestServer server(config);
        const quint16 port = server.start();
        std::vector<std::unique_ptr<TestHttpClient>> held;
        for (int i = 0; i < 3; ++i) {
            held.push_back(std::make_unique<TestHttpClient>(port));
            QCOMPARE(held.back()->get("/fast").status, 200);
        }
        TestHttpClient extra(port);
        const TestResponse refused = extra.get("/fast");
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.header("retry-after"), QByteArray("1"));
        held.clear();
        QTRY_COMPARE_WITH_TIMEOUT(server.server->openConnections(), 0, 5000);
        TestHttpClient later(port);
        QCOMPARE(later.get("/fast").status, 200);
    }

    void requestsPerConnectionAreCapped()
    {
        HttpConfig config = defaultConfig();
        config.maxRequestsPerConnection = 3;
        TestServer server(config);
        TestHttpClient client(server.start());
        QCOMPARE(client.get("/fast").status, 200);
        QCOMPARE(client.get("/fast").status, 200);
        const TestResponse third = client.get("/fast");
        QCOMPARE(third.status, 200);
        QCOMPARE(third.header("connection"), QByteArray("close"));
        QVERIFY(client.waitForDisconnect(3000));
    }

    void pipelinedAnswersKeepRequestOrder()
    {
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        // Slow answers come from the pool, fast ones inline: without per-connection ordering the fast
        // ones would overtake.
        QByteArray burst;
        const QList<QByteArray> paths = {"/slow?ms=300", "/fast", "/slow?ms=50", "/fast", "/items/5", "/slow?ms=1"};
        for (int i = 0; i < paths.size(); ++i)
            burst += "GET " + paths.at(i) + " HTTP/1.1\r\nHost: x\r\nX-Request-ID: r" + QByteArray::number(i) + "\r\n\r\n";
        client.sendRaw(burst);
        for (int i = 0; i < paths.size(); ++i) {
            const TestResponse response = client.readResponse(5000);
            QCOMPARE(response.status, 200);
            QCOMPARE(response.header("x-request-id"), "r" + QByteArray::number(i));
        }
    }

    void abortedSlowRequestsDoNotHarmTheServer()
    {
        TestServer server(defaultConfig());
        const quint16 port = server.start();
        for (int i = 0; i < 60; ++i) {
            TestHttpClient client(port);
            client.sendRaw("GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n");
            client.close(); // gone before the answer
        }
        QTRY_COMPARE_WITH_TIMEOUT(server.pool->inFlight(), 0, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(server.server->openConnections(), 0, 5000);
        TestHttpClient after(port);
        QCOMPARE(after.get("/slow?ms=1").status, 200);
        QCOMPARE(after.get("/fast").status, 200);
    }

    void jobsOfDepartedClientsAreSkipped()
    {
        HttpConfig config = defaultConfig();
        config.slowPoolThreads = 1;
        TestServer server(config);
        const quint16 port = server.start();
        const int blockerBefore = g_slowStarted.load();
        TestHttpClient blocker(port);
        // Long enough that the ten requests below queue up behind it while it runs.
        blocker.sendRaw("GET /slow?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(g_slowStarted.load() == blockerBefore + 1, 5000);
        const int startedBefore = g_slowStarted.load();
        for (int i = 0; i < 10; ++i) {
            TestHttpClient client(port);
            client.sendRaw("GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n");
            QTRY_VERIFY_WITH_TIMEOUT(server.pool->inFlight() == 2 + i, 5000);
            client.close();
        }
        QCOMPARE(blocker.readResponse(5000).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(server.pool->inFlight(), 0, 10000);
        // Only the blocker's job ran its handler; the ten queued behind it found their clients gone.
        QCOMPARE(g_slowStarted.load() - startedBefore, 0);
    }

    void overloadedPoolAnswers503()
    {
        HttpConfig config = defaultConfig();
        config.slowPoolThreads = 1;
        config.slowPoolMaxInFlight = 2;
        TestServer server(config);
        const quint16 port = server.start();
        std::vector<std::unique_ptr<TestHttpClient>> clients;
        for (int i = 0; i < 2; ++i) {
            clients.push_back(std::make_unique<TestHttpClient>(port));
            // Long enough to still be running when the third request arrives, even on a loaded machine.
            clients.back()->sendRaw("GET /slow?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        QTRY_COMPARE_WITH_TIMEOUT(server.pool->inFlight(), 2, 5000);
        TestHttpClient third(port);
        const TestResponse busy = third.get("/slow?ms=1");
        QCOMPARE(busy.status, 503);
        QCOMPARE(busy.header("retry-after"), QByteArray("1"));
        QCOMPARE(busy.errorCode(), QStringLiteral("service_unavailable"));
        for (auto& client : clients)
            QCOMPARE(client->readResponse(15000).status, 200); // one pool thread: the jobs run one after the other
    }

    void shutdownWithJobsInFlight()
    {
        auto server = std::make_unique<TestServer>(defaultConfig());
        const quint16 port = server->start();
        std::vector<std::unique_ptr<TestHttpClient>> clients;
        for (int i = 0; i < 20; ++i) {
            clients.push_back(std::make_unique<TestHttpClient>(port));
            clients.back()->sendRaw("GET /slow?ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        QTRY_VERIFY_WITH_TIMEOUT(server->pool->inFlight() > 0, 5000);
        server->server->stop();
        server.reset(); // everything destroyed with clients still connected and jobs dropped
        for (auto& client : clients)
            QVERIFY(client->waitForDisconnect(5000));
    }

    void accessLogLineHasNoQueryString()
    {
        {
            QMutexLocker locker(&g_logMutex);
            g_logLines.clear();
        }
        TestServer server(defaultConfig());
        TestHttpClient client(server.start());
        QCOMPARE(client.get("/items/9?token=secret-value", {{"X-Request-ID", "log-check"}}).status, 200);
        QByteArray line;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QMutexLocker locker(&g_logMutex);
                for (const QByteArray& candidate : std::as_const(g_logLines)) {
                    if (candidate.contains("\"request_id\":\"log-check\""))
                        line = candidate;
                }
                return !line.isEmpty();
            }(),
            3000);
        const QJsonObject entry = QJsonDocument::fromJson(line).object();
        QCOMPARE(entry.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
        QCOMPARE(entry.value(QStringLiteral("path")).toString(), QStringLiteral("/items/9"));
        QCOMPARE(entry.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(entry.value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.1"));
        QVERIFY(entry.contains(QStringLiteral("ms")));
        QVERIFY(!line.contains("secret-value"));
    }

    void garbageOnTheWireNeverCrashes_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addRow("binary noise") << QByteArray("\x00\x01\x02\xff\xfe\r\n\r\n", 10);
        QTest::addRow("no method") << QByteArray(" / HTTP/1.1\r\n\r\n");
        QTest::addRow("bad version") << QByteArray("GET / HTTP/9.9\r\n\r\n");
        QTest::addRow("header without colon") << QByteArray("GET /fast HTTP/1.1\r\nHost x\r\n\r\n");
        QTest::addRow("tls hello to plain port") << QByteArray("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11);
    }
    void garbageOnTheWireNeverCrashes()
    {
        QFETCH(QByteArray, bytes);
        TestServer server(defaultConfig());
        const quint16 port = server.start();
        TestHttpClient client(port);
        client.sendRaw(bytes);
        client.readResponse(1000); // any answer or none; what matters is what follows
        TestHttpClient after(port);
        QCOMPARE(after.get("/fast").status, 200);
    }
};

QTEST_GUILESS_MAIN(TestHttpLayer)
#include "tst_http_layer.moc"
