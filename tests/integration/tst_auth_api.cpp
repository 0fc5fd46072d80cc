#include "server/crypto/SecretBox.h"
#include "server/crypto/SigningKey.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/tokens/Jwt.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/OpenApiContract.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestEnvironment.h"
#include "tests/support/TestHttpClient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QSet>
#include <QTest>

using namespace authshield::test;
using authshield::Result;
using authshield::server::Database;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");

QByteArray b64(const QByteArray& data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QList<QPair<QByteArray, QByteArray>> bearer(const QString& token)
{
    return { { "Authorization", TestHttpClient::bearer(token) } };
}

// The envelope without its per-request id: what must be identical across login failures.
// These scenarios log in far more often than a person would (all from 127.0.0.1, and on PostgreSQL through one
// shared Redis): throttling and lockout have their own tests (tst_abuse_protection).

QJsonObject withoutRequestId(const TestResponse& response)
{
    QJsonObject error = response.json().value("error").toObject();
    error.remove("request_id");
    return error;
}
} // namespace

// The public auth API on the real binary: login, tokens, refresh rotation and reuse, sessions, logout, forged
// tokens, JWKS and discovery, key rotation, rehash and create-admin.
class TestAuthApi : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_server;
    QMap<QString, QString> m_env;
    std::unique_ptr<Database> m_db;
    QString m_aliceId;
    QString m_bobId;
    QString m_revokedToken; // set by logoutTakesEffectAtOnce
    OpenApiContract m_contract;
    QStringList m_contractFailures;

    quint16 port() const { return m_server->port(); }

    // Every answer read through it is checked against the OpenAPI document (asserted in cleanup()).
    TestHttpClient checkedClient(quint16 serverPort = 0)
    {
        TestHttpClient client(serverPort ? serverPort : port());
        client.setContractCheck({ &m_contract, &m_contractFailures });
        return client;
    }

    QJsonObject loginOk(const QString& email, const QByteArray& userAgent = "AuthShield-Tests")
    {
        const TestResponse response = login(port(), email, kPassword, userAgent);
        if (response.status != 200)
            qWarning("login of %s answered %d: %s", qPrintable(email), response.status, response.body.constData());
        return response.json();
    }

    int getSessionsStatus(const QString& accessToken, quint16 serverPort = 0)
    {
        TestHttpClient client = checkedClient(serverPort ? serverPort : port());
        return client.get("/api/v1/sessions", bearer(accessToken)).status;
    }

    TestResponse refresh(const QString& refreshToken)
    {
        TestHttpClient client = checkedClient();
        return client.postJson("/api/v1/auth/refresh", QJsonObject { { "refresh_token", refreshToken } });
    }

    QString dbString(const QString& sql, const QString& bindName = {}, const QString& bindValue = {})
    {
        authshield::server::SqlQuery query = m_db->prepare(sql);
        if (!bindName.isEmpty())
            query.bind(bindName, bindValue);
        if (!query.exec().ok() || !query.next())
            return {};
        return query.string(0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_contract.load());
        QVERIFY(m_backend.start());
        m_env = withoutThrottling(m_backend.serverEnvironment(QStringLiteral("auth_api")));
        m_server = std::make_unique<ServerProcess>(m_env);
        QVERIFY2(m_server->start(), m_server->log().constData());
        m_db = openServerDatabase(m_env, m_server->dataDir());
        QVERIFY(m_db);
        m_aliceId = seedUser(*m_db, { "alice@example.com", kPassword });
        m_bobId = seedUser(*m_db, { "bob@example.com", kPassword });
        QVERIFY(!m_aliceId.isEmpty() && !m_bobId.isEmpty());
        QVERIFY(!seedUser(*m_db, { "carol@example.com", kPassword, true, true }).isEmpty());
        QVERIFY(!seedUser(*m_db, { "dave@example.com", kPassword, false }).isEmpty());
    }

    void cleanup()
    {
        const QStringList failures = std::exchange(m_contractFailures, {});
        QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 10).join('\n')));
    }

    void cleanupTestCase()
    {
        m_db.reset();
        const int exitCode = m_server->stop();
        QVERIFY2(exitCode == 0, m_server->log().right(6000).constData());
    }

    void loginReturnsTokenPair()
    {
        const TestResponse response = login(port(), "  Alice@Example.com ", kPassword);
        QCOMPARE(response.status, 200);
        const QJsonObject pair = response.json();
        QCOMPARE(pair.value("token_type").toString(), QStringLiteral("Bearer"));
        QCOMPARE(pair.value("expires_in").toInt(), 900);
        QVERIFY(pair.value("refresh_expires_in").toInt() > 0);
        QCOMPARE(pair.value("refresh_token").toString().size(), 43); // 256 bits, base64url
        QCOMPARE(response.header("cache-control"), QByteArray("no-store"));
        const QJsonObject header = jwtHeader(pair.value("access_token").toString());
        QCOMPARE(header.value("typ").toString(), QStringLiteral("at+jwt"));
        QCOMPARE(header.value("alg").toString(), QStringLiteral("EdDSA"));
        const QJsonObject claims = jwtPayload(pair.value("access_token").toString());
        QCOMPARE(claims.value("sub").toString(), m_aliceId);
        QCOMPARE(claims.value("aud").toString(), QStringLiteral("authshield"));
        QCOMPARE(claims.value("iss").toString(), QStringLiteral("http://127.0.0.1:%1").arg(port()));
        QCOMPARE(claims.value("exp").toInteger() - claims.value("iat").toInteger(), 900);
        QVERIFY(!claims.value("jti").toString().isEmpty());
        QVERIFY(!claims.value("sid").toString().isEmpty());
        QCOMPARE(claims.value("roles").toArray(), QJsonArray { "user" });
        QCOMPARE(getSessionsStatus(pair.value("access_token").toString()), 200);
        // Only the hash of the refresh token is stored.
        QCOMPARE(dbString("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = :h", ":h",
                          pair.value("refresh_token").toString()),
                 QStringLiteral("0"));
    }

    void loginFailuresLookAlike_data()
    {
        QTest::addColumn<QString>("email");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("reason");
        QTest::addRow("unknown user") << "nobody@example.com" << kPassword << "unknown_user";
        QTest::addRow("wrong password") << "alice@example.com"
                                        << "not the password"
                                        << "bad_password";
        QTest::addRow("disabled account") << "carol@example.com" << kPassword << "disabled";
        QTest::addRow("password over max_bytes")
            << "alice@example.com" << QString(257, QLatin1Char('x')) << "password_too_long";
        QTest::addRow("implausible email") << "not-an-address" << kPassword << "unknown_user";
    }

    void loginFailuresLookAlike()
    {
        QFETCH(QString, email);
        QFETCH(QString, password);
        QFETCH(QString, reason);
        const TestResponse reference = login(port(), "nobody@example.com", "whatever it is");
        const TestResponse response = login(port(), email, password);
        QCOMPARE(response.status, 401);
        QCOMPARE(response.errorCode(), QStringLiteral("invalid_credentials"));
        QCOMPARE(withoutRequestId(response), withoutRequestId(reference));
        QVERIFY(response.header("www-authenticate").isEmpty());
        QVERIFY(!response.body.contains(reason.toUtf8())); // the real reason is only in the audit log
        QVERIFY(!dbString("SELECT details FROM audit_events WHERE type = 'auth.login.failed' AND details LIKE :r "
                          "ORDER BY seq DESC",
                          ":r", "%\"" + reason + "\"%")
                     .isEmpty());
    }

    void unverifiedEmailWithRightPasswordIs403()
    {
        const TestResponse response = login(port(), "dave@example.com", kPassword);
        QCOMPARE(response.status, 403);
        QCOMPARE(response.errorCode(), QStringLiteral("email_not_verified"));
        QCOMPARE(login(port(), "dave@example.com", "wrong password!").status, 401); // wrong password says nothing
        QVERIFY(!dbString("SELECT seq FROM audit_events WHERE details LIKE '%\"unverified\"%'").isEmpty());
        QVERIFY(!dbString("SELECT seq FROM audit_events WHERE type = 'auth.login.succeeded' AND subject_id = :id",
                          ":id", m_aliceId)
                     .isEmpty());
    }

    void sessionsListMarksTheCurrentOne()
    {
        const QJsonObject first
            = loginOk("bob@example.com", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0");
        const QJsonObject second = loginOk("bob@example.com", "curl/8.0");
        const QString token = first.value("access_token").toString();
        TestHttpClient client = checkedClient();
        const TestResponse response = client.get("/api/v1/sessions", bearer(token));
        QCOMPARE(response.status, 200);
        QVERIFY(response.json().value("next_cursor").isNull());
        const QJsonArray items = response.json().value("items").toArray();
        QVERIFY(items.size() >= 2);
        const QString currentSid = jwtPayload(token).value("sid").toString();
        int current = 0;
        bool sawSecond = false;
        for (const QJsonValue& value : items) {
            const QJsonObject item = value.toObject();
            if (item.value("is_current").toBool()) {
                ++current;
                QCOMPARE(item.value("id").toString(), currentSid);
                QCOMPARE(item.value("device").toString(), QStringLiteral("Firefox on Linux"));
                QCOMPARE(item.value("ip").toString(), QStringLiteral("127.0.0.1"));
                QVERIFY(item.value("user_agent").toString().startsWith("Mozilla/5.0"));
                QVERIFY(QDateTime::fromString(item.value("created_at").toString(), Qt::ISODateWithMs).isValid());
                QVERIFY(item.value("last_seen_at").toString().endsWith('Z'));
            }
            sawSecond = sawSecond
                || item.value("id").toString()
                    == jwtPayload(second.value("access_token").toString()).value("sid").toString();
        }
        QCOMPARE(current, 1);
        QVERIFY(sawSecond);
    }

    void deletingSessions()
    {
        const QJsonObject alice = loginOk("alice@example.com");
        const QJsonObject aliceOther = loginOk("alice@example.com");
        const QJsonObject bob = loginOk("bob@example.com");
        const QString aliceOtherSid = jwtPayload(aliceOther.value("access_token").toString()).value("sid").toString();
        TestHttpClient client = checkedClient();
        // Another user's session is indistinguishable from a missing one.
        const TestResponse foreign = client.request("DELETE", "/api/v1/sessions/" + aliceOtherSid.toUtf8(), {},
                                                    bearer(bob.value("access_token").toString()));
        QCOMPARE(foreign.status, 404);
        QCOMPARE(foreign.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(client
                     .request("DELETE", "/api/v1/sessions/00000000-0000-4000-8000-000000000000", {},
                              bearer(alice.value("access_token").toString()))
                     .status,
                 404);
        QCOMPARE(
            client.request("DELETE", "/api/v1/sessions/not-a-uuid", {}, bearer(alice.value("access_token").toString()))
                .status,
            404);
        QCOMPARE(getSessionsStatus(aliceOther.value("access_token").toString()), 200);
        QCOMPARE(client
                     .request("DELETE", "/api/v1/sessions/" + aliceOtherSid.toUtf8(), {},
                              bearer(alice.value("access_token").toString()))
                     .status,
                 204);
        QCOMPARE(getSessionsStatus(aliceOther.value("access_token").toString()), 401);
        QCOMPARE(refresh(aliceOther.value("refresh_token").toString()).errorCode(),
                 QStringLiteral("invalid_refresh_token"));
        QCOMPARE(getSessionsStatus(alice.value("access_token").toString()), 200);
    }

    void refreshRotates()
    {
        const QJsonObject pair = loginOk("alice@example.com");
        const TestResponse rotated = refresh(pair.value("refresh_token").toString());
        QCOMPARE(rotated.status, 200);
        const QJsonObject next = rotated.json();
        QVERIFY(next.value("refresh_token").toString() != pair.value("refresh_token").toString());
        QCOMPARE(jwtPayload(next.value("access_token").toString()).value("sid"),
                 jwtPayload(pair.value("access_token").toString()).value("sid"));
        QCOMPARE(getSessionsStatus(next.value("access_token").toString()), 200);
        const TestResponse again = refresh(next.value("refresh_token").toString());
        QCOMPARE(again.status, 200);
        QVERIFY(again.header("www-authenticate").isEmpty());
    }

    void reuseRevokesTheFamily()
    {
        const QJsonObject pair = loginOk("alice@example.com");
        const QJsonObject next = refresh(pair.value("refresh_token").toString()).json();
        QVERIFY(!next.value("refresh_token").toString().isEmpty());
        const TestResponse reused = refresh(pair.value("refresh_token").toString());
        QCOMPARE(reused.status, 401);
        QCOMPARE(reused.errorCode(), QStringLiteral("refresh_token_reused"));
        QVERIFY(reused.header("www-authenticate").isEmpty());
        QCOMPARE(getSessionsStatus(next.value("access_token").toString()), 401);
        QCOMPARE(getSessionsStatus(pair.value("access_token").toString()), 401);
        const TestResponse child = refresh(next.value("refresh_token").toString());
        QCOMPARE(child.status, 401);
        QCOMPARE(child.errorCode(), QStringLiteral("invalid_refresh_token"));
        QVERIFY(!dbString("SELECT seq FROM audit_events WHERE type = 'auth.refresh.reused' AND subject_id = :id", ":id",
                          m_aliceId)
                     .isEmpty());
    }

    void unknownRefreshTokenIsInvalid()
    {
        const TestResponse response = refresh("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QCOMPARE(response.status, 401);
        QCOMPARE(response.errorCode(), QStringLiteral("invalid_refresh_token"));
        TestHttpClient client = checkedClient();
        QCOMPARE(client.postJson("/api/v1/auth/refresh", QJsonObject {}).status, 422);
    }

    void concurrentRefreshHasOneWinner()
    {
        const QJsonObject pair = loginOk("bob@example.com");
        const QByteArray body = compact(QJsonObject { { "refresh_token", pair.value("refresh_token").toString() } });
        const QByteArray raw
            = "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        std::vector<std::unique_ptr<TestHttpClient>> clients;
        for (int i = 0; i < 8; ++i) {
            clients.push_back(std::make_unique<TestHttpClient>(port()));
            QVERIFY(clients.back()->connectToServer());
        }
        QElapsedTimer timer;
        timer.start();
        for (auto& client : clients) // all eight are on the wire before any answer is read
            client->socket().write(raw);
        for (auto& client : clients)
            client->socket().flush();
        int ok = 0;
        int reused = 0;
        for (auto& client : clients) {
            const TestResponse response = client->readResponse(30000);
            if (response.status == 200)
                ++ok;
            else if (response.status == 401 && response.errorCode() == QLatin1String("refresh_token_reused"))
                ++reused;
            else
                qWarning("unexpected answer %d %s", response.status, response.body.constData());
        }
        qInfo("8 concurrent refreshes of one token answered in %lld ms", static_cast<long long>(timer.elapsed()));
        QCOMPARE(ok, 1);
        QCOMPARE(reused, 7);
    }

    void forgedTokensAreRefused_data()
    {
        const QString valid = loginOk("alice@example.com").value("access_token").toString();
        QVERIFY(!valid.isEmpty());
        const QStringList parts = valid.split('.');
        const QJsonObject header = jwtHeader(valid);
        QJsonObject claims = jwtPayload(valid);
        claims.insert("roles", QJsonArray { "admin" });
        const QByteArray elevated = b64(compact(claims));

        TestHttpClient client = checkedClient();
        const QJsonObject jwk = client.get("/.well-known/jwks.json").json().value("keys").toArray().first().toObject();
        const QByteArray publicKey
            = QByteArray::fromBase64(jwk.value("x").toString().toLatin1(), QByteArray::Base64UrlEncoding);

        QTest::addColumn<QByteArray>("token");
        QJsonObject none = header;
        none.insert("alg", "none");
        QTest::addRow("alg none") << (b64(compact(none)) + '.' + elevated + '.');
        QTest::addRow("alg none with the old signature")
            << (b64(compact(none)) + '.' + elevated + '.' + parts.at(2).toLatin1());
        QJsonObject hs = header;
        hs.insert("alg", "HS256");
        const QByteArray hsInput = b64(compact(hs)) + '.' + elevated;
        QTest::addRow("HS256 signed with the public key")
            << (hsInput + '.' + b64(QMessageAuthenticationCode::hash(hsInput, publicKey, QCryptographicHash::Sha256)));
        const QByteArray jwkBytes = compact(jwk);
        QTest::addRow("HS256 signed with the JWK text")
            << (hsInput + '.' + b64(QMessageAuthenticationCode::hash(hsInput, jwkBytes, QCryptographicHash::Sha256)));
        QJsonObject unknownKid = header;
        unknownKid.insert("kid", "some-other-key");
        QTest::addRow("unknown kid") << (b64(compact(unknownKid)) + '.' + parts.at(1).toLatin1() + '.'
                                         + parts.at(2).toLatin1());
        QJsonObject noKid = header;
        noKid.remove("kid");
        QTest::addRow("no kid") << (b64(compact(noKid)) + '.' + parts.at(1).toLatin1() + '.' + parts.at(2).toLatin1());
        QTest::addRow("tampered payload") << (parts.at(0).toLatin1() + '.' + elevated + '.' + parts.at(2).toLatin1());
        QByteArray signature = parts.at(2).toLatin1();
        signature[5] = signature[5] == 'A' ? 'B' : 'A';
        QTest::addRow("tampered signature")
            << (parts.at(0).toLatin1() + '.' + parts.at(1).toLatin1() + '.' + signature);
        QTest::addRow("garbage") << QByteArray("not-a-jwt");
        QTest::addRow("two parts") << (parts.at(0).toLatin1() + '.' + parts.at(1).toLatin1());
        QTest::addRow("refresh token as bearer")
            << loginOk("alice@example.com").value("refresh_token").toString().toLatin1();
    }

    void forgedTokensAreRefused()
    {
        QFETCH(QByteArray, token);
        TestHttpClient client = checkedClient();
        const TestResponse response = client.get("/api/v1/sessions", { { "Authorization", "Bearer " + token } });
        QCOMPARE(response.status, 401);
        QCOMPARE(response.errorCode(), QStringLiteral("invalid_token"));
        QCOMPARE(response.header("www-authenticate"), QByteArray("Bearer error=\"invalid_token\""));
    }

    void logoutTakesEffectAtOnce()
    {
        const QJsonObject pair = loginOk("alice@example.com");
        const QString token = pair.value("access_token").toString();
        QCOMPARE(getSessionsStatus(token), 200); // now in the verified-token cache
        TestHttpClient client = checkedClient();
        QCOMPARE(client.postJson("/api/v1/auth/logout", QJsonObject {}, bearer(token)).status, 204);
        QCOMPARE(getSessionsStatus(token), 401);
        m_revokedToken = token;
        QCOMPARE(refresh(pair.value("refresh_token").toString()).errorCode(), QStringLiteral("invalid_refresh_token"));
        QCOMPARE(client.postJson("/api/v1/auth/logout", QJsonObject {}, bearer(token)).status, 401);
        QVERIFY(
            !dbString("SELECT seq FROM audit_events WHERE type = 'auth.logout' AND actor_id = :id", ":id", m_aliceId)
                 .isEmpty());
    }

    void logoutAllEndsEverySession()
    {
        const QJsonObject one = loginOk("bob@example.com");
        const QJsonObject two = loginOk("bob@example.com");
        const QJsonObject alice = loginOk("alice@example.com");
        TestHttpClient client = checkedClient();
        QCOMPARE(
            client.postJson("/api/v1/auth/logout-all", QJsonObject {}, bearer(one.value("access_token").toString()))
                .status,
            204);
        QCOMPARE(getSessionsStatus(one.value("access_token").toString()), 401);
        QCOMPARE(getSessionsStatus(two.value("access_token").toString()), 401);
        QCOMPARE(refresh(two.value("refresh_token").toString()).status, 401);
        QCOMPARE(getSessionsStatus(alice.value("access_token").toString()), 200); // other users untouched
    }

    void bearerRoutesWithoutTokenAre401()
    {
        TestHttpClient client = checkedClient();
        const TestResponse response = client.get("/api/v1/sessions");
        QCOMPARE(response.status, 401);
        QVERIFY(response.header("www-authenticate").startsWith("Bearer"));
    }

    void jwksAndDiscovery()
    {
        TestHttpClient client = checkedClient();
        const TestResponse jwks = client.get("/.well-known/jwks.json");
        QCOMPARE(jwks.status, 200);
        QCOMPARE(jwks.header("cache-control"), QByteArray("public, max-age=300"));
        const QJsonArray keys = jwks.json().value("keys").toArray();
        QVERIFY(!keys.isEmpty());
        for (const QJsonValue& key : keys) {
            QVERIFY(!key.toObject().contains("d")); // never a private part
            QCOMPARE(key.toObject().value("use").toString(), QStringLiteral("sig"));
        }
        const TestResponse discovery = client.get("/.well-known/openid-configuration");
        QCOMPARE(discovery.status, 200);
        const QString issuer = QStringLiteral("http://127.0.0.1:%1").arg(port());
        QCOMPARE(discovery.json().value("issuer").toString(), issuer);
        QCOMPARE(discovery.json().value("jwks_uri").toString(), issuer + "/.well-known/jwks.json");
        QVERIFY(!discovery.json().value("token_endpoint").toString().isEmpty());
        QCOMPARE(discovery.json().value("id_token_signing_alg_values_supported").toArray(), QJsonArray { "EdDSA" });
    }

    void joseVerifiesAnAccessTokenFromTheJwks()
    {
        const QString token = loginOk("alice@example.com").value("access_token").toString();
        TestHttpClient client = checkedClient();
        const QJsonObject jwks = client.get("/.well-known/jwks.json").json();
        const QString script = sourceDir() + QStringLiteral("/tests/js/verify-jwt.mjs");
        QProcess node;
        node.start("node", { script });
        // An independent JWT library is the point of this check: without it the test fails, never skips.
        QVERIFY2(node.waitForStarted(10000), "node is not installed (make test installs it)");
        node.write(compact(QJsonObject { { "jwks", jwks },
                                         { "token", token },
                                         { "issuer", QStringLiteral("http://127.0.0.1:%1").arg(port()) },
                                         { "audience", "authshield" },
                                         { "typ", "at+jwt" } }));
        node.closeWriteChannel();
        QVERIFY(node.waitForFinished(60000));
        const QByteArray errors = node.readAllStandardError();
        QVERIFY2(!errors.contains("ERR_MODULE_NOT_FOUND"), "jose is missing: run scripts/test-deps.sh (make test does)");
        QVERIFY2(node.exitCode() == 0, errors.constData());
        const QJsonObject payload = QJsonDocument::fromJson(node.readAllStandardOutput()).object();
        QCOMPARE(payload.value("sub").toString(), m_aliceId);
    }

    void keyRotationKeepsOldTokensValid()
    {
        const QString before = loginOk("alice@example.com").value("access_token").toString();
        const QString oldKid = jwtHeader(before).value("kid").toString();
        const CommandResult rotated
            = ServerProcess::runCommand({ "keys", "rotate", "--data-dir", m_server->dataDir() }, m_env);
        QVERIFY2(rotated.exitCode == 0, rotated.err.constData());
        const QString newKid = QString::fromUtf8(rotated.out.trimmed().split('\n').last());
        QVERIFY(!newKid.isEmpty() && newKid != oldKid);
        QCOMPARE(getSessionsStatus(before), 200);
        // The running server picks the new key up within its reload interval (15 s).
        auto jwksKids = [this] {
            TestHttpClient client = checkedClient();
            QSet<QString> kids;
            for (const QJsonValue& key : client.get("/.well-known/jwks.json").json().value("keys").toArray())
                kids.insert(key.toObject().value("kid").toString());
            return kids;
        };
        QTRY_VERIFY_WITH_TIMEOUT(jwksKids().contains(newKid), 20000);
        QVERIFY(jwksKids().contains(oldKid));
        const QString after = loginOk("alice@example.com").value("access_token").toString();
        QCOMPARE(jwtHeader(after).value("kid").toString(), newKid);
        QCOMPARE(getSessionsStatus(after), 200);
        QCOMPARE(getSessionsStatus(before), 200);
    }

    void createAdminFromStdin()
    {
        const QStringList args { "create-admin", "--email", "Root@Example.com", "--data-dir", m_server->dataDir() };
        const CommandResult tooShort = ServerProcess::runCommand(args, m_env, "short\n");
        QCOMPARE(tooShort.exitCode, 1);
        QVERIFY(tooShort.err.contains("at least 8 characters"));
        QCOMPARE(login(port(), "root@example.com", "short").status, 401);
        const CommandResult common = ServerProcess::runCommand(args, m_env, "password123\n");
        QCOMPARE(common.exitCode, 1); // the same policy as every account, not just a length check
        QVERIFY2(common.err.contains("most common"), common.err.constData());

        const CommandResult created = ServerProcess::runCommand(args, m_env, kPassword.toUtf8() + "\n");
        QVERIFY2(created.exitCode == 0, created.err.constData());
        const TestResponse admin = login(port(), "root@example.com", kPassword);
        QCOMPARE(admin.status, 200);
        QCOMPARE(jwtPayload(admin.json().value("access_token").toString()).value("roles").toArray(),
                 QJsonArray({ "admin", "user" }));

        const CommandResult again = ServerProcess::runCommand(args, m_env, "another password entirely\n");
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.out.contains("already an administrator"));
        QCOMPARE(login(port(), "root@example.com", kPassword).status, 200); // password unchanged

        const CommandResult promoted = ServerProcess::runCommand(
            { "create-admin", "--email", "bob@example.com", "--data-dir", m_server->dataDir() }, m_env, {});
        QVERIFY2(promoted.exitCode == 0, promoted.err.constData());
        QVERIFY(promoted.out.contains("granted the admin role"));
        QVERIFY(jwtPayload(loginOk("bob@example.com").value("access_token").toString())
                    .value("roles")
                    .toArray()
                    .contains(QJsonValue("admin")));
        QVERIFY(!dbString("SELECT seq FROM audit_events WHERE type = 'admin.user.created'").isEmpty());
        QCOMPARE(ServerProcess::runCommand({ "create-admin", "--data-dir", m_server->dataDir() }, m_env).exitCode, 2);
    }

    void expiredTokenIsRefused()
    {
        QMap<QString, QString> env = withoutThrottling(m_backend.serverEnvironment(QStringLiteral("auth_short_ttl")));
        env.insert("AUTHSHIELD_TOKENS_ACCESS_TTL", "1");
        ServerProcess server(env);
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(env, server.dataDir());
        QVERIFY(db);
        QVERIFY(!seedUser(*db, { "erin@example.com", kPassword }).isEmpty());
        const TestResponse pair = login(server.port(), "erin@example.com", kPassword);
        QCOMPARE(pair.status, 200);
        QCOMPARE(pair.json().value("expires_in").toInt(), 1);
        const QString token = pair.json().value("access_token").toString();
        QCOMPARE(getSessionsStatus(token, server.port()), 200);
        // exp plus the verifier's 5 s leeway; expiry is checked on every use, cached or not.
        QTRY_COMPARE_WITH_TIMEOUT(getSessionsStatus(token, server.port()), 401, 15000);
        db.reset();
        QCOMPARE(server.stop(), 0);
    }

    void validlySignedTokensWithWrongClaimsAreRefused_data()
    {
        // Signed with the server's real current key (unsealed here with the test data dir's encryption key), so
        // only the claims can make the difference.
        const QString valid = loginOk("alice@example.com").value("access_token").toString();
        const QString kid = jwtHeader(valid).value("kid").toString();
        QFile keyFile(m_server->dataDir() + "/secrets/encryption.key");
        const bool sharedSecret = m_env.contains("AUTHSHIELD_SECRETS_ENCRYPTION_KEY");
        QVERIFY(sharedSecret || keyFile.open(QIODevice::ReadOnly));
        const QByteArray secret = QByteArray::fromBase64(
            sharedSecret ? m_env.value("AUTHSHIELD_SECRETS_ENCRYPTION_KEY").toLatin1() : keyFile.readAll().trimmed());
        Result<authshield::server::SecretBox> box = authshield::server::SecretBox::fromKey(secret);
        QVERIFY(box);
        authshield::server::SqlQuery row = m_db->prepare("SELECT private_key FROM signing_keys WHERE kid = :kid");
        row.bind(":kid", kid);
        QVERIFY(row.exec().ok() && row.next());
        Result<QByteArray> der = box->open(row.blob(0), kid.toUtf8());
        QVERIFY(der);
        Result<authshield::server::SigningKey> key
            = authshield::server::SigningKey::fromPrivateDer(authshield::server::JwsAlgorithm::EdDSA, *der);
        QVERIFY(key);
        const QJsonObject claims = jwtPayload(valid);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        auto sign = [&key](const QJsonObject& changed, const QJsonObject& header = { { "typ", "at+jwt" } }) {
            return authshield::server::Jwt::encode(header, changed, *key).value().toLatin1();
        };
        auto with = [&claims](std::initializer_list<std::pair<const char*, QJsonValue>> changes) {
            QJsonObject changed = claims;
            for (const auto& [name, value] : changes)
                changed.insert(QLatin1String(name), value);
            return changed;
        };
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("status");
        QTest::addRow("control: re-signed unchanged") << sign(claims) << 200;
        QTest::addRow("wrong audience") << sign(with({ { "aud", "billing" } })) << 401;
        QTest::addRow("audience list without ours")
            << sign(with({ { "aud", QJsonArray { "billing", "crm" } } })) << 401;
        QTest::addRow("wrong issuer") << sign(with({ { "iss", "https://evil.example" } })) << 401;
        QTest::addRow("expired") << sign(with({ { "exp", now - 60 } })) << 401;
        QTest::addRow("not yet valid") << sign(with({ { "nbf", now + 600 } })) << 401;
        QTest::addRow("wrong typ") << sign(claims, { { "typ", "JWT" } }) << 401;
        QTest::addRow("revoked session") << sign(with({ { "sid", jwtPayload(m_revokedToken).value("sid") } })) << 401;
        QTest::addRow("no sid") << sign([&claims] {
            QJsonObject changed = claims;
            changed.remove("sid");
            return changed;
        }()) << 401;
    }

    void validlySignedTokensWithWrongClaimsAreRefused()
    {
        QFETCH(QByteArray, token);
        QFETCH(int, status);
        TestHttpClient client = checkedClient();
        const TestResponse response = client.get("/api/v1/sessions", { { "Authorization", "Bearer " + token } });
        QCOMPARE(response.status, status);
        if (status == 401)
            QCOMPARE(response.header("www-authenticate"), QByteArray("Bearer error=\"invalid_token\""));
    }

    void loginRehashesOnParameterChange()
    {
        QMap<QString, QString> env = withoutThrottling(m_backend.serverEnvironment(QStringLiteral("auth_rehash")));
        env.insert("AUTHSHIELD_PASSWORD_ARGON2_ITERATIONS", "3");
        env.insert("AUTHSHIELD_PASSWORD_ARGON2_MEMORY_KIB", "12288");
        ServerProcess server(env);
        QVERIFY2(server.start(), server.log().constData());
        std::unique_ptr<Database> db = openServerDatabase(env, server.dataDir());
        QVERIFY(db);
        const QString id = seedUser(*db, { "grace@example.com", kPassword }); // default m=19456, t=2
        QVERIFY(!id.isEmpty());
        auto storedHash = [&db, &id] {
            authshield::server::SqlQuery query = db->prepare("SELECT password_hash FROM users WHERE id = :id");
            query.bind(":id", id);
            return query.exec().ok() && query.next() ? query.string(0) : QString();
        };
        QVERIFY(storedHash().contains("m=19456,t=2"));
        QCOMPARE(login(server.port(), "grace@example.com", kPassword).status, 200);
        QVERIFY2(storedHash().contains("m=12288,t=3"), qPrintable(storedHash()));
        QCOMPARE(login(server.port(), "grace@example.com", kPassword).status, 200); // the new hash verifies
        db.reset();
        QCOMPARE(server.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAuthApi)
#include "tst_auth_api.moc"
