#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "tests/support/AuthTestSupport.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/MailFile.h"
#include "tests/support/OpenApiContract.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QUrl>

using namespace authshield::test;
using authshield::server::Database;

namespace {
const QString kPassword = QStringLiteral("correct horse battery staple");
const QByteArray kAdmin = "/api/v1/admin";

using Headers = QList<QPair<QByteArray, QByteArray>>;

Headers bearer(const QString& token)
{
    return { { "Authorization", TestHttpClient::bearer(token) } };
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray encoded(const QString& text)
{
    return QUrl::toPercentEncoding(text);
}
} // namespace

// The admin API on the real binary: permissions of every route, user search and keyset paging, user lifecycle
// with last-admin protection, sessions, roles, audit query/export/verify, live settings, keys and stats.
class TestAdminApi : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;
    std::unique_ptr<ServerProcess> m_server;
    QMap<QString, QString> m_env;
    std::unique_ptr<Database> m_db;
    QString m_adminId;
    QString m_auditorId;
    QString m_userId;
    QString m_adminToken;
    QString m_auditorToken;
    QString m_userToken;
    OpenApiContract m_contract;
    QStringList m_contractFailures; // answers that do not match the OpenAPI document
    int m_sequence = 0;

    quint16 port() const { return m_server->port(); }

    QString tokenFor(const QString& email)
    {
        const TestResponse response = login(port(), email, kPassword);
        if (response.status != 200)
            qWarning("login of %s answered %d: %s", qPrintable(email), response.status, response.body.constData());
        return response.json().value("access_token").toString();
    }

    TestResponse call(const QByteArray& method, const QByteArray& path, const QString& token,
                      const QJsonObject& body = {}, bool withBody = false)
    {
        TestHttpClient client(port());
        client.setContractCheck({ &m_contract, &m_contractFailures });
        Headers headers = token.isEmpty() ? Headers() : bearer(token);
        if (withBody || !body.isEmpty())
            headers.append({ QByteArray("Content-Type"), QByteArray("application/json") });
        return client.request(method, path, withBody || !body.isEmpty() ? compact(body) : QByteArray(), headers, 60000);
    }

    TestResponse adminGet(const QByteArray& path) { return call("GET", kAdmin + path, m_adminToken); }

    QString createUser(const QString& email, const QJsonObject& extra = {})
    {
        QJsonObject body = extra;
        body.insert("email", email);
        const TestResponse response = call("POST", kAdmin + "/users", m_adminToken, body);
        if (response.status != 201)
            qWarning("create %s answered %d: %s", qPrintable(email), response.status, response.body.constData());
        return response.json().value("id").toString();
    }

    QList<QJsonObject> auditEvents(const QString& type, const QString& subject)
    {
        const TestResponse response
            = adminGet("/audit?limit=200&type=" + encoded(type) + "&subject=" + encoded(subject));
        QList<QJsonObject> events;
        for (const QJsonValue& item : response.json().value("items").toArray())
            events.append(item.toObject());
        return events;
    }

    // Every page of a user listing; fails the test on a repeated id.
    QStringList walkUsers(const QByteArray& query, int limit, const std::function<void()>& betweenPages = {})
    {
        QStringList ids;
        QString cursor;
        for (int pages = 0; pages < 500; ++pages) {
            QByteArray path = "/users?limit=" + QByteArray::number(limit) + query;
            if (!cursor.isEmpty())
                path += "&cursor=" + encoded(cursor);
            const TestResponse response = adminGet(path);
            if (response.status != 200) {
                qWarning("listing answered %d: %s", response.status, response.body.constData());
                return {};
            }
            for (const QJsonValue& item : response.json().value("items").toArray())
                ids.append(item.toObject().value("id").toString());
            const QJsonValue next = response.json().value("next_cursor");
            if (next.isNull())
                break;
            cursor = next.toString();
            if (betweenPages)
                betweenPages();
        }
        return ids;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_contract.load());
        QVERIFY(m_backend.start());
        m_env = withoutThrottling(m_backend.serverEnvironment(QStringLiteral("admin_api")));
        m_server = std::make_unique<ServerProcess>(m_env);
        QVERIFY2(m_server->start(), m_server->log().constData());
        m_db = openServerDatabase(m_env, m_server->dataDir());
        QVERIFY(m_db);
        m_adminId = seedUser(*m_db, { "root@example.com", kPassword, true, false, { "admin", "user" } });
        m_auditorId = seedUser(*m_db, { "auditor@example.com", kPassword, true, false, { "auditor", "user" } });
        m_userId = seedUser(*m_db, { "plain@example.com", kPassword });
        QVERIFY(!m_adminId.isEmpty() && !m_auditorId.isEmpty() && !m_userId.isEmpty());
        m_adminToken = tokenFor("root@example.com");
        m_auditorToken = tokenFor("auditor@example.com");
        m_userToken = tokenFor("plain@example.com");
        QVERIFY(!m_adminToken.isEmpty() && !m_auditorToken.isEmpty() && !m_userToken.isEmpty());
    }

    // Every answer of every test matched the OpenAPI document.
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

    void permissionMatrix_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("write");
        const QByteArray nobody = "/00000000-0000-4000-8000-000000000000";
        QTest::addRow("list users") << QByteArray("GET") << QByteArray("/users") << false;
        QTest::addRow("count users") << QByteArray("GET") << QByteArray("/users/count") << false;
        QTest::addRow("get user") << QByteArray("GET") << QByteArray("/users" + nobody) << false;
        QTest::addRow("user sessions") << QByteArray("GET") << QByteArray("/users" + nobody + "/sessions") << false;
        QTest::addRow("create user") << QByteArray("POST") << QByteArray("/users") << true;
        QTest::addRow("patch user") << QByteArray("PATCH") << QByteArray("/users" + nobody) << true;
        QTest::addRow("delete user") << QByteArray("DELETE") << QByteArray("/users" + nobody) << true;
        QTest::addRow("unlock user") << QByteArray("POST") << QByteArray("/users" + nobody + "/unlock") << true;
        QTest::addRow("logout-all user") << QByteArray("POST") << QByteArray("/users" + nobody + "/logout-all") << true;
        QTest::addRow("reset user password") << QByteArray("POST") << QByteArray("/users" + nobody + "/password-reset")
                                             << true;
        QTest::addRow("list sessions") << QByteArray("GET") << QByteArray("/sessions") << false;
        QTest::addRow("revoke session") << QByteArray("DELETE") << QByteArray("/sessions" + nobody) << true;
        QTest::addRow("list roles") << QByteArray("GET") << QByteArray("/roles") << false;
        QTest::addRow("list permissions") << QByteArray("GET") << QByteArray("/permissions") << false;
        QTest::addRow("create role") << QByteArray("POST") << QByteArray("/roles") << true;
        QTest::addRow("patch role") << QByteArray("PATCH") << QByteArray("/roles/no-such-role") << true;
        QTest::addRow("delete role") << QByteArray("DELETE") << QByteArray("/roles/no-such-role") << true;
        QTest::addRow("query audit") << QByteArray("GET") << QByteArray("/audit") << false;
        QTest::addRow("export audit") << QByteArray("GET") << QByteArray("/audit/export?format=ndjson&type=none") << false;
        QTest::addRow("verify audit") << QByteArray("GET") << QByteArray("/audit/verify") << false;
        QTest::addRow("get security settings") << QByteArray("GET") << QByteArray("/settings/security") << false;
        QTest::addRow("put security settings") << QByteArray("PUT") << QByteArray("/settings/security") << true;
        QTest::addRow("list keys") << QByteArray("GET") << QByteArray("/keys") << false;
        QTest::addRow("rotate keys") << QByteArray("POST") << QByteArray("/keys/rotate") << true;
        QTest::addRow("stats") << QByteArray("GET") << QByteArray("/stats") << false;
    }

    void permissionMatrix()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(bool, write);
        const bool withBody = method != "GET" && method != "DELETE";
        const TestResponse anonymous = call(method, kAdmin + path, {}, {}, withBody);
        QCOMPARE(anonymous.status, 401);
        QVERIFY(anonymous.header("www-authenticate").startsWith("Bearer"));
        const TestResponse user = call(method, kAdmin + path, m_userToken, {}, withBody);
        QCOMPARE(user.status, 403);
        QCOMPARE(user.errorCode(), QStringLiteral("forbidden"));
        const TestResponse auditor = call(method, kAdmin + path, m_auditorToken, {}, withBody);
        if (write)
            QCOMPARE(auditor.status, 403);
        else
            QVERIFY2(auditor.status == 200 || auditor.status == 404, auditor.body.constData());
        const TestResponse admin = call(method, kAdmin + path, m_adminToken, {}, withBody);
        QVERIFY2(admin.status != 401 && admin.status != 403 && admin.status < 500, admin.body.constData());
    }

    void listingValidatesLimitAndCursor_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("field");
        QTest::addRow("limit zero") << QByteArray("/users?limit=0") << "limit";
        QTest::addRow("limit too large") << QByteArray("/users?limit=201") << "limit";
        QTest::addRow("limit not a number") << QByteArray("/users?limit=ten") << "limit";
        QTest::addRow("garbage cursor") << QByteArray("/users?cursor=%%%") << "cursor";
        QTest::addRow("cursor of another order") << QByteArray("/users?sort=email&cursor=eyJzIjoiY3JlYXRlZCJ9") << "cursor";
        QTest::addRow("unknown status") << QByteArray("/users?status=sleeping") << "status";
        QTest::addRow("audit bad time") << QByteArray("/audit?from=yesterday") << "from";
        QTest::addRow("audit cursor") << QByteArray("/audit?cursor=bm9wZQ") << "cursor";
        QTest::addRow("sessions limit") << QByteArray("/sessions?limit=500") << "limit";
    }

    void listingValidatesLimitAndCursor()
    {
        QFETCH(QByteArray, query);
        QFETCH(QString, field);
        const TestResponse response = adminGet(query);
        QCOMPARE(response.status, 422);
        QVERIFY2(response.json().value("error").toObject().value("fields").toObject().contains(field),
                 response.body.constData());
    }

    void createAndSearchUsers()
    {
        const QString id = createUser("Zed.Search@Example.com", { { "display_name", "Zedekiah Searchable" },
                                                                   { "email_verified", true },
                                                                   { "roles", QJsonArray { "user", "auditor" } } });
        QVERIFY(!id.isEmpty());
        const TestResponse one = adminGet("/users/" + id.toUtf8());
        QCOMPARE(one.status, 200);
        const QJsonObject user = one.json();
        QCOMPARE(user.value("email").toString(), QStringLiteral("zed.search@example.com"));
        QCOMPARE(user.value("status").toString(), QStringLiteral("active"));
        QCOMPARE(user.value("locked").toBool(), false);
        QVERIFY(user.value("locked_until").isNull());
        QVERIFY(user.value("last_login_at").isNull());
        QCOMPARE(user.value("roles").toArray(), (QJsonArray { "auditor", "user" }));
        QCOMPARE(user.value("session_count").toInt(), 0);
        QCOMPARE(user.value("mfa_enabled").toBool(), false);
        QVERIFY(user.value("created_at").toString().endsWith("Z"));

        for (const QByteArray& q : { QByteArray("zedekiah"), QByteArray("SEARCH%40EXAMPLE"), QByteArray("d.sea") }) {
            const TestResponse found = adminGet("/users?q=" + q);
            QCOMPARE(found.status, 200);
            const QJsonArray items = found.json().value("items").toArray();
            QCOMPARE(items.size(), 1);
            QCOMPARE(items.first().toObject().value("id").toString(), id);
        }
        QCOMPARE(adminGet("/users?q=" + encoded("100%")).json().value("items").toArray().size(), 0);
        QCOMPARE(adminGet("/users/count?q=zedekiah").json().value("total").toInt(), 1);
        const QStringList auditors = walkUsers("&role=auditor", 50);
        QVERIFY(auditors.contains(id) && auditors.contains(m_auditorId) && !auditors.contains(m_adminId));
        QCOMPARE(adminGet("/users/count?role=auditor").json().value("total").toInt(), auditors.size());
        QCOMPARE(call("POST", kAdmin + "/users", m_adminToken, { { "email", "zed.search@example.com" } }).status, 422);
        const TestResponse badRole = call("POST", kAdmin + "/users", m_adminToken,
                                          { { "email", "x@example.com" }, { "roles", QJsonArray { "wizard" } } });
        QCOMPARE(badRole.status, 422);
        QVERIFY(badRole.json().value("error").toObject().value("fields").toObject().contains("roles"));
    }

    void statusFiltersAndSorting()
    {
        const QString unverified = createUser("unverified.filter@example.com");
        const QString disabled = createUser("disabled.filter@example.com", { { "email_verified", true } });
        QCOMPARE(call("PATCH", kAdmin + "/users/" + disabled.toUtf8(), m_adminToken, { { "status", "disabled" } }).status,
                 200);
        const QStringList disabledIds = walkUsers("&status=disabled", 50);
        QVERIFY(disabledIds.contains(disabled));
        QVERIFY(!disabledIds.contains(unverified));
        const QStringList unverifiedIds = walkUsers("&status=unverified", 50);
        QVERIFY(unverifiedIds.contains(unverified));
        QVERIFY(!unverifiedIds.contains(disabled));
        QVERIFY(walkUsers("&status=active", 50).contains(unverified));
        QCOMPARE(adminGet("/users/count?status=disabled").json().value("total").toInt(), disabledIds.size());

        QStringList emails;
        for (const QJsonValue& item : adminGet("/users?sort=email&order=desc&limit=200").json().value("items").toArray())
            emails.append(item.toObject().value("email").toString());
        QStringList sorted = emails;
        std::sort(sorted.begin(), sorted.end(), std::greater<>());
        QCOMPARE(emails, sorted);
    }

    void pagingIsStableUnderConcurrentInserts()
    {
        for (int i = 0; i < 12; ++i)
            QVERIFY(!createUser(QStringLiteral("page.%1@example.com").arg(i)).isEmpty());
        for (const QByteArray& order : { QByteArray("&sort=created&order=asc"), QByteArray("&sort=created&order=desc"),
                                         QByteArray("&sort=email&order=asc") }) {
            const QStringList before = walkUsers(order, 200);
            int inserted = 0;
            const QStringList during = walkUsers(order, 4, [&] {
                // A new account between every two pages, sorting before and after the walk's position.
                const QString prefix = inserted % 2 ? QStringLiteral("aaa") : QStringLiteral("zzz");
                QVERIFY(!createUser(QStringLiteral("%1.concurrent.%2@example.com").arg(prefix).arg(m_sequence++)).isEmpty());
                ++inserted;
            });
            QVERIFY(inserted > 3);
            QCOMPARE(QSet<QString>(during.begin(), during.end()).size(), during.size()); // no duplicates
            for (const QString& id : before)
                QVERIFY2(during.contains(id), qPrintable("missing " + id)); // no gaps
        }
    }

    void inviteMailCarriesASetPasswordLink()
    {
        const QString id = createUser("invited@example.com", { { "send_invite", true }, { "display_name", "Ivy" } });
        QVERIFY(!id.isEmpty());
        QList<MailFile> mails;
        QTRY_VERIFY_WITH_TIMEOUT(!(mails = mailsTo(m_server->dataDir(), "invited@example.com")).isEmpty(), 10000);
        const MailFile& mail = mails.last();
        QVERIFY(mail.subject().contains("invited"));
        const QString token = mail.linkToken("reset-password");
        QVERIFY(!token.isEmpty());
        QVERIFY(mail.html.contains("reset-password?token="));
        TestHttpClient client(port());
        const TestResponse accepted = client.postJson(
            "/api/v1/auth/reset-password", { { "token", token }, { "new_password", "a brand new passphrase 42" } });
        QVERIFY2(accepted.status == 204, accepted.body.constData());
        const QList<QJsonObject> created = auditEvents("admin.user.created", id);
        QCOMPARE(created.size(), 1);
        QCOMPARE(created.first().value("actor_id").toString(), m_adminId);
        QCOMPARE(created.first().value("details").toObject().value("invited").toBool(), true);

        const TestResponse reset = call("POST", kAdmin + "/users/" + id.toUtf8() + "/password-reset", m_adminToken, {}, true);
        QCOMPARE(reset.status, 202);
        auto resetMails = [&] {
            int count = 0;
            for (const MailFile& mail : mailsTo(m_server->dataDir(), "invited@example.com"))
                count += mail.subject() == QStringLiteral("Reset your password");
            return count;
        };
        QTRY_COMPARE_WITH_TIMEOUT(resetMails(), 1, 15000);
    }

    void everyAdminActionIsAuditedOnceWithActorAndRequestId()
    {
        const QString id = createUser("audited@example.com");
        struct Action
        {
            QByteArray method;
            QByteArray path;
            QJsonObject body;
            QString type;
        };
        const QByteArray user = "/users/" + id.toUtf8();
        const QList<Action> actions {
            { "PATCH", user, { { "display_name", "Audited" } }, "admin.user.updated" },
            { "POST", user + "/unlock", {}, "admin.user.unlocked" },
            { "POST", user + "/logout-all", {}, "admin.user.logged_out" },
            { "POST", user + "/password-reset", {}, "admin.user.password_reset" },
            { "DELETE", user, {}, "admin.user.deleted" },
        };
        for (const Action& action : actions) {
            const TestResponse response = call(action.method, kAdmin + action.path, m_adminToken, action.body,
                                               action.method != "DELETE");
            QVERIFY2(response.status >= 200 && response.status < 300, response.body.constData());
            const QList<QJsonObject> events = auditEvents(action.type, id);
            QCOMPARE(events.size(), 1);
            QCOMPARE(events.first().value("actor_id").toString(), m_adminId);
            QCOMPARE(events.first().value("request_id").toString(), QString::fromLatin1(response.header("x-request-id")));
        }
        QCOMPARE(adminGet(user).status, 404);
    }

    void lastAdminIsProtected()
    {
        const QByteArray self = kAdmin + "/users/" + m_adminId.toUtf8();
        for (const QJsonObject& change : { QJsonObject { { "status", "disabled" } },
                                           QJsonObject { { "roles", QJsonArray { "user" } } } }) {
            const TestResponse refused = call("PATCH", self, m_adminToken, change);
            QCOMPARE(refused.status, 409);
            QCOMPARE(refused.errorCode(), QStringLiteral("last_admin"));
        }
        const TestResponse deleted = call("DELETE", self, m_adminToken);
        QCOMPARE(deleted.status, 409);
        QCOMPARE(deleted.errorCode(), QStringLiteral("last_admin"));
        QCOMPARE(adminGet("/users/" + m_adminId.toUtf8()).json().value("status").toString(), QStringLiteral("active"));

        // With a second administrator the first may step down.
        const QString second = createUser("second.admin@example.com", { { "roles", QJsonArray { "admin" } } });
        QCOMPARE(call("PATCH", kAdmin + "/users/" + second.toUtf8(), m_adminToken, { { "status", "disabled" } }).status,
                 200);
    }

    void disablingAUserEndsTheirAccessAtOnce()
    {
        const QString id = seedUser(*m_db, { "victim@example.com", kPassword });
        const QString token = tokenFor("victim@example.com");
        QCOMPARE(call("GET", "/api/v1/sessions", token).status, 200);
        QCOMPARE(adminGet("/users/" + id.toUtf8()).json().value("session_count").toInt(), 1);
        QCOMPARE(call("PATCH", kAdmin + "/users/" + id.toUtf8(), m_adminToken, { { "status", "disabled" } }).status, 200);
        QCOMPARE(call("GET", "/api/v1/sessions", token).status, 401);
        QCOMPARE(login(port(), "victim@example.com", kPassword).status, 401);
    }

    void adminRevokesOneSession()
    {
        const QString id = seedUser(*m_db, { "sessions@example.com", kPassword });
        const QString first = tokenFor("sessions@example.com");
        const QString second = tokenFor("sessions@example.com");
        const TestResponse listed = adminGet("/users/" + id.toUtf8() + "/sessions?active=true");
        QCOMPARE(listed.status, 200);
        const QJsonArray items = listed.json().value("items").toArray();
        QCOMPARE(items.size(), 2);
        QCOMPARE(items.first().toObject().value("user_email").toString(), QStringLiteral("sessions@example.com"));
        QCOMPARE(adminGet("/sessions?user=" + id.toUtf8()).json().value("items").toArray().size(), 2);
        const QString sid = jwtPayload(first).value("sid").toString();
        QCOMPARE(call("DELETE", kAdmin + "/sessions/" + sid.toUtf8(), m_adminToken).status, 204);
        QCOMPARE(call("GET", "/api/v1/sessions", first).status, 401);
        QCOMPARE(call("GET", "/api/v1/sessions", second).status, 200);
        QCOMPARE(call("DELETE", kAdmin + "/sessions/" + sid.toUtf8(), m_adminToken).status, 404);
        QCOMPARE(auditEvents("admin.session.revoked", id).size(), 1);
    }

    void rolesLifecycle()
    {
        const TestResponse created = call("POST", kAdmin + "/roles", m_adminToken,
                                          { { "name", "support" },
                                            { "description", "Help desk" },
                                            { "permissions", QJsonArray { "users.read", "sessions.read" } } });
        QCOMPARE(created.status, 201);
        QCOMPARE(created.json().value("permissions").toArray(), (QJsonArray { "sessions.read", "users.read" }));
        QCOMPARE(call("POST", kAdmin + "/roles", m_adminToken,
                      { { "name", "bad" }, { "permissions", QJsonArray { "users.fly" } } })
                     .status,
                 422);
        const QString member = createUser("support.member@example.com", { { "roles", QJsonArray { "support" } } });
        const TestResponse renamed = call("PATCH", kAdmin + "/roles/support", m_adminToken,
                                          { { "new_name", "helpdesk" }, { "permissions", QJsonArray { "users.read" } } });
        QCOMPARE(renamed.status, 200);
        QCOMPARE(renamed.json().value("user_count").toInt(), 1);
        QCOMPARE(adminGet("/users/" + member.toUtf8()).json().value("roles").toArray(), (QJsonArray { "helpdesk" }));
        const TestResponse inUse = call("DELETE", kAdmin + "/roles/helpdesk", m_adminToken);
        QCOMPARE(inUse.status, 409);
        QCOMPARE(inUse.errorCode(), QStringLiteral("role_in_use"));
        QCOMPARE(call("DELETE", kAdmin + "/roles/helpdesk?force=true", m_adminToken).status, 204);
        QCOMPARE(adminGet("/users/" + member.toUtf8()).json().value("roles").toArray(), QJsonArray());
        QCOMPARE(call("DELETE", kAdmin + "/roles/admin?force=true", m_adminToken).status, 409);
        QCOMPARE(call("PATCH", kAdmin + "/roles/user", m_adminToken, { { "new_name", "member" } }).status, 409);
        QCOMPARE(auditEvents("admin.role.created", "support").size(), 1);
        QCOMPARE(auditEvents("admin.role.deleted", "helpdesk").size(), 1);
        const QJsonArray permissions = adminGet("/permissions").json().value("items").toArray();
        QCOMPARE(permissions.size(), 12);
    }

    void auditQueryPagesNewestFirst()
    {
        QList<qint64> seqs;
        QString cursor;
        for (int pages = 0; pages < 200; ++pages) {
            const TestResponse response
                = adminGet("/audit?limit=7" + (cursor.isEmpty() ? QByteArray() : "&cursor=" + encoded(cursor)));
            QCOMPARE(response.status, 200);
            for (const QJsonValue& item : response.json().value("items").toArray()) {
                const QJsonObject event = item.toObject();
                QCOMPARE(event.value("id").toString(), QString::number(event.value("seq").toInteger()));
                seqs.append(event.value("seq").toInteger());
            }
            if (response.json().value("next_cursor").isNull())
                break;
            cursor = response.json().value("next_cursor").toString();
        }
        QVERIFY(seqs.size() > 20);
        for (qsizetype i = 1; i < seqs.size(); ++i)
            QVERIFY(seqs.at(i) < seqs.at(i - 1));
        const QJsonArray filtered
            = adminGet("/audit?type=auth.login.succeeded&actor=" + m_adminId.toUtf8()).json().value("items").toArray();
        QVERIFY(!filtered.isEmpty());
        for (const QJsonValue& item : filtered)
            QCOMPARE(item.toObject().value("type").toString(), QStringLiteral("auth.login.succeeded"));
        const QJsonArray prefixed = adminGet("/audit?type=admin.*&limit=200").json().value("items").toArray();
        QVERIFY(!prefixed.isEmpty());
        for (const QJsonValue& item : prefixed)
            QVERIFY(item.toObject().value("type").toString().startsWith("admin."));
        QCOMPARE(adminGet("/audit?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z").json().value("items").toArray().size(),
                 0);
    }

    void auditExportStreamsCsvAndNdjson()
    {
        const TestResponse verify = adminGet("/audit/verify");
        QCOMPARE(verify.status, 200);
        QCOMPARE(verify.json().value("ok").toBool(), true);
        QVERIFY(verify.json().value("first_broken_seq").isNull());
        const qint64 checked = verify.json().value("checked").toInteger();
        QVERIFY(checked > 20);

        const TestResponse csv = adminGet("/audit/export?format=csv");
        QCOMPARE(csv.status, 200);
        QCOMPARE(csv.header("transfer-encoding"), QByteArray("chunked"));
        QVERIFY(csv.header("content-type").startsWith("text/csv"));
        const QList<QByteArray> lines = csv.body.trimmed().split('\n');
        QCOMPARE(lines.first().trimmed(),
                 QByteArray("seq,time,type,actor_id,subject_id,ip,user_agent,request_id,outcome,details,hash"));
        QVERIFY(lines.size() - 1 >= checked); // events recorded since verify may follow
        QVERIFY(lines.at(1).startsWith("1,"));

        const TestResponse ndjson = adminGet("/audit/export?format=ndjson&type=admin.role.created");
        QCOMPARE(ndjson.status, 200);
        const QList<QByteArray> records = ndjson.body.trimmed().split('\n');
        QCOMPARE(records.size(), 1);
        const QJsonObject record = QJsonDocument::fromJson(records.first()).object();
        QCOMPARE(record.value("type").toString(), QStringLiteral("admin.role.created"));
        QCOMPARE(record.value("hash").toString().size(), 64);
        QCOMPARE(adminGet("/audit/export?format=xml").status, 422);
    }

    void securitySettingsValidateAndApply()
    {
        const TestResponse current = adminGet("/settings/security");
        QCOMPARE(current.status, 200);
        for (const char* section : { "rate_limits", "lockout", "password_policy", "tokens" })
            QVERIFY2(current.json().contains(QLatin1String(section)), section);
        QCOMPARE(current.json().value("tokens").toObject().value("access_ttl").toInt(), 900);

        const TestResponse invalid = call("PUT", kAdmin + "/settings/security", m_adminToken,
                                          { { "lockout", QJsonObject { { "max_failures", 0 } } },
                                            { "tokens", QJsonObject { { "access_ttl", 5 } } },
                                            { "rate_limits", QJsonObject { { "login_ip", QJsonObject { { "count", -1 } } } } },
                                            { "weather", QJsonObject {} } });
        QCOMPARE(invalid.status, 422);
        const QJsonObject fields = invalid.json().value("error").toObject().value("fields").toObject();
        QVERIFY2(fields.contains("lockout.max_failures"), invalid.body.constData());
        QVERIFY2(fields.contains("tokens.access_ttl"), invalid.body.constData());
        QVERIFY2(fields.contains("weather"), invalid.body.constData());
        QVERIFY2(fields.keys().filter("rate_limits.login_ip").size() == 1, invalid.body.constData());
        QCOMPARE(adminGet("/settings/security").json(), current.json()); // nothing applied

        const TestResponse applied = call("PUT", kAdmin + "/settings/security", m_adminToken,
                                          { { "tokens", QJsonObject { { "access_ttl", 600 } } },
                                            { "password_policy", QJsonObject { { "min_length", 12 } } } });
        QCOMPARE(applied.status, 200);
        QCOMPARE(applied.json().value("tokens").toObject().value("access_ttl").toInt(), 600);
        QCOMPARE(adminGet("/settings/security").json().value("password_policy").toObject().value("min_length").toInt(),
                 12);
        QVERIFY(!auditEvents("settings.security.changed", "").isEmpty());
        // The password policy applies at once.
        const TestResponse tooShort = call("POST", kAdmin + "/users", m_adminToken,
                                           { { "email", "policy@example.com" }, { "password", "elevenchars" } });
        QCOMPARE(tooShort.status, 422);
        QVERIFY(tooShort.json().value("error").toObject().value("fields").toObject().value("password").toString().contains("12"));
        QCOMPARE(call("POST", kAdmin + "/users", m_adminToken,
                      { { "email", "policy@example.com" }, { "password", "twelve chars ok" } })
                     .status,
                 201);
        QCOMPARE(call("PUT", kAdmin + "/settings/security", m_adminToken,
                      { { "password_policy", QJsonObject { { "min_length", 8 } } } })
                     .status,
                 200);
    }

    void keysAndStats()
    {
        const TestResponse before = adminGet("/keys");
        QCOMPARE(before.status, 200);
        const TestResponse rotated = call("POST", kAdmin + "/keys/rotate", m_adminToken, {}, true);
        QCOMPARE(rotated.status, 201);
        QCOMPARE(rotated.json().value("status").toString(), QStringLiteral("active"));
        const QJsonArray keys = adminGet("/keys").json().value("items").toArray();
        int active = 0;
        for (const QJsonValue& key : keys)
            active += key.toObject().value("status").toString() == "active";
        QCOMPARE(active, 1);
        QCOMPARE(keys.size(), before.json().value("items").toArray().size() + 1);

        const TestResponse stats = adminGet("/stats");
        QCOMPARE(stats.status, 200);
        const QJsonObject body = stats.json();
        QVERIFY(body.value("users").toObject().value("total").toInt() >= 3);
        QVERIFY(body.value("users").toObject().value("disabled").toInt() >= 1);
        QVERIFY(body.value("sessions").toObject().value("active").toInt() >= 3);
        const QJsonArray hours = body.value("logins").toObject().value("hours").toArray();
        QCOMPARE(hours.size(), 24);
        int succeeded = 0;
        for (const QJsonValue& hour : hours)
            succeeded += hour.toObject().value("succeeded").toInt();
        QVERIFY(succeeded >= 3);
        QVERIFY(hours.first().toObject().value("hour").toString() < hours.last().toObject().value("hour").toString());
        QVERIFY(body.value("mail_outbox").toObject().contains("pending"));
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_admin_api.moc"
