#include "server/admin/OpenApiDocument.h"
#include "server/app/ServerContext.h"
#include "server/core/ConfigLoader.h"
#include "server/http/Router.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/OpenApiContract.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield::test;
using namespace authshield::server;

namespace {
QString operationKey(const QString& method, const QString& path)
{
    return method.toUpper() + QLatin1Char(' ') + path;
}

void writeFragment(const QString& dir, const QString& name, const QJsonObject& content)
{
    QFile file(dir + QLatin1Char('/') + name);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(content).toJson());
}
} // namespace

// The OpenAPI document: fragments merge (duplicates refused), every route the server registers is documented and
// every documented operation exists, the schema validator works, and GET /openapi.json follows [server] api_docs.
class TestOpenApi : public QObject
{
    Q_OBJECT

private:
    BackendFixture m_backend;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_backend.start()); }

    void everyRouteIsDocumentedAndEveryDocumentedOperationExists()
    {
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        QMap<QString, QString> env = m_backend.serverEnvironment(QStringLiteral("openapi_routes"));
        env.insert(QStringLiteral("AUTHSHIELD_HTTP_LISTEN"), QStringLiteral("127.0.0.1:0"));
        env.insert(QStringLiteral("AUTHSHIELD_ENV"), QStringLiteral("test"));
        QByteArray key(32, '\0');
        for (char& byte : key)
            byte = static_cast<char>(QRandomGenerator::global()->generate());
        env.insert(QStringLiteral("AUTHSHIELD_SECRETS_ENCRYPTION_KEY"), QString::fromLatin1(key.toBase64()));
        ConfigSources sources;
        sources.env = cleanEnvironment(env);
        sources.dataDirOverride = dataDir.path();
        sources.defaultConfigPath = dataDir.filePath(QStringLiteral("none.conf"));
        authshield::Result<LoadedConfig> loaded = ConfigLoader::load(sources);
        QVERIFY2(loaded.ok(), loaded ? "" : qPrintable(loaded.error().message));
        ServerContext context(*loaded);
        const authshield::Result<void> started = context.start();
        QVERIFY2(started.ok(), started ? "" : qPrintable(started.error().message));

        QSet<QString> registered;
        for (const Route* route : context.router().routes())
            registered.insert(operationKey(httpMethodName(route->method), route->pattern));
        context.stop();

        const authshield::Result<QJsonObject> document = OpenApiDocument::load();
        QVERIFY2(document.ok(), document ? "" : qPrintable(document.error().message));
        QCOMPARE(document->value("openapi").toString(), QStringLiteral("3.1.0"));
        QSet<QString> documented;
        const QJsonObject paths = document->value("paths").toObject();
        for (auto path = paths.constBegin(); path != paths.constEnd(); ++path)
            for (const QString& method : path->toObject().keys())
                documented.insert(operationKey(method, path.key()));
        // The account pages are registered only when frontend_url is unset (it is, here); /metrics only when it has
        // no listener of its own (it has none, here): the comparison covers them too.
        const QSet<QString> undocumented = registered - documented;
        const QSet<QString> missing = documented - registered;
        QVERIFY2(undocumented.isEmpty(), qPrintable("undocumented: " + QStringList(undocumented.values()).join(", ")));
        QVERIFY2(missing.isEmpty(), qPrintable("documented but not registered: " + QStringList(missing.values()).join(", ")));

        // Every admin operation names its permission, and that permission exists.
        QSet<QString> permissions { "users.read", "users.write", "sessions.read", "sessions.revoke", "roles.read",
                                    "roles.write", "audit.read", "settings.read", "settings.write", "keys.read",
                                    "keys.rotate", "stats.read" };
        for (auto path = paths.constBegin(); path != paths.constEnd(); ++path) {
            if (!path.key().startsWith("/api/v1/admin/"))
                continue;
            const QJsonObject item = path->toObject();
            for (auto op = item.constBegin(); op != item.constEnd(); ++op)
                QVERIFY2(permissions.contains(op->toObject().value("x-permission").toString()), qPrintable(path.key()));
        }
    }

    void fragmentsMergeAndDuplicatesAreRefused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        writeFragment(dir.path(), "00-base.json",
                      { { "openapi", "3.1.0" },
                        { "info", QJsonObject { { "title", "t" } } },
                        { "components", QJsonObject { { "schemas", QJsonObject { { "Error", QJsonObject {} } } } } } });
        writeFragment(dir.path(), "b.json", { { "paths", QJsonObject { { "/b", QJsonObject { { "get", QJsonObject {} } } } } } });
        writeFragment(dir.path(), "a.json",
                      { { "paths", QJsonObject { { "/a", QJsonObject { { "get", QJsonObject {} } } } } },
                        { "components", QJsonObject { { "schemas", QJsonObject { { "A", QJsonObject {} } } } } } });
        authshield::Result<QJsonObject> merged = OpenApiDocument::load(dir.path());
        QVERIFY(merged.ok());
        QCOMPARE(merged->value("paths").toObject().keys(), (QStringList { "/a", "/b" }));
        QCOMPARE(merged->value("components").toObject().value("schemas").toObject().keys(), (QStringList { "A", "Error" }));
        QCOMPARE(merged->value("info").toObject().value("title").toString(), QStringLiteral("t"));

        writeFragment(dir.path(), "c.json", { { "paths", QJsonObject { { "/a", QJsonObject { { "post", QJsonObject {} } } } } } });
        authshield::Result<QJsonObject> duplicate = OpenApiDocument::load(dir.path());
        QVERIFY(!duplicate.ok());
        QVERIFY(duplicate.error().message.contains("/a"));
        QVERIFY(duplicate.error().message.contains("a.json") && duplicate.error().message.contains("c.json"));
        QFile::remove(dir.filePath("00-base.json"));
        QVERIFY(!OpenApiDocument::load(dir.path()).ok());
    }

    void validatorChecksTheSubsetInUse_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("valid");
        QTest::addRow("conforming") << QByteArray(R"({"id":"1","n":2,"tags":["a"],"state":"on","when":null})") << true;
        QTest::addRow("nullable given") << QByteArray(R"({"id":"1","n":2,"tags":[],"state":"off","when":"x"})") << true;
        QTest::addRow("missing required") << QByteArray(R"({"n":2,"tags":[],"state":"on","when":null})") << false;
        QTest::addRow("wrong type") << QByteArray(R"({"id":1,"n":2,"tags":[],"state":"on","when":null})") << false;
        QTest::addRow("not an integer") << QByteArray(R"({"id":"1","n":2.5,"tags":[],"state":"on","when":null})") << false;
        QTest::addRow("bad item") << QByteArray(R"({"id":"1","n":2,"tags":[3],"state":"on","when":null})") << false;
        QTest::addRow("not in enum") << QByteArray(R"({"id":"1","n":2,"tags":[],"state":"maybe","when":null})") << false;
        QTest::addRow("null not allowed") << QByteArray(R"({"id":null,"n":2,"tags":[],"state":"on","when":null})") << false;
    }

    void validatorChecksTheSubsetInUse()
    {
        QFETCH(QByteArray, value);
        QFETCH(bool, valid);
        const QJsonObject schemas {
            { "Tag", QJsonObject { { "type", "string" } } },
            { "Thing",
              QJsonObject { { "type", "object" },
                            { "required", QJsonArray { "id", "n", "tags", "state", "when" } },
                            { "properties",
                              QJsonObject { { "id", QJsonObject { { "type", "string" } } },
                                            { "n", QJsonObject { { "type", "integer" } } },
                                            { "tags", QJsonObject { { "type", "array" },
                                                                    { "items", QJsonObject { { "$ref", "#/components/schemas/Tag" } } } } },
                                            { "state", QJsonObject { { "type", "string" }, { "enum", QJsonArray { "on", "off" } } } },
                                            { "when", QJsonObject { { "type", QJsonArray { "string", "null" } } } } } } } },
        };
        JsonSchemaValidator validator(schemas);
        const QStringList problems = validator.validate(QJsonDocument::fromJson(value).object(),
                                                        QJsonObject { { "$ref", "#/components/schemas/Thing" } });
        QVERIFY2(problems.isEmpty() == valid, qPrintable(problems.join("; ")));
    }

    void servedOnlyWhenApiDocsAreOn()
    {
        for (const bool enabled : { true, false }) {
            QMap<QString, QString> env
                = m_backend.serverEnvironment(enabled ? QStringLiteral("openapi_on") : QStringLiteral("openapi_off"));
            env.insert(QStringLiteral("AUTHSHIELD_SERVER_API_DOCS"), enabled ? QStringLiteral("true") : QStringLiteral("false"));
            ServerProcess server(env);
            QVERIFY2(server.start(), server.log().constData());
            TestHttpClient client(server.port());
            const TestResponse response = client.get("/openapi.json");
            if (enabled) {
                QCOMPARE(response.status, 200);
                const QJsonObject document = response.json();
                QCOMPARE(document.value("openapi").toString(), QStringLiteral("3.1.0"));
                QVERIFY(document.value("paths").toObject().contains("/api/v1/admin/users"));
            } else {
                QCOMPARE(response.status, 404);
            }
            QCOMPARE(server.stop(), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestOpenApi)
#include "tst_openapi.moc"
