#include "server/core/ConfigKeys.h"
#include "server/core/ConfigLoader.h"
#include "server/core/DataDir.h"
#include "server/core/Duration.h"
#include "server/core/ProfileValidator.h"
#include "tests/support/TestEnvironment.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield::server;
using namespace Qt::Literals::StringLiterals;
using std::chrono::milliseconds;

namespace authshield::test {

namespace {

using Vars = QList<QPair<QString, QString>>;

QProcessEnvironment environment(const Vars& vars)
{
    QProcessEnvironment env;
    for (const auto& [name, value] : vars)
        env.insert(name, value);
    return env;
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content,
                  QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        qFatal("cannot write test file");
    file.close();
    QFile::setPermissions(path, permissions);
    return path;
}

ConfigSources sourcesFor(const Vars& vars, const QString& configPath = {}, const QString& dataDir = {})
{
    ConfigSources sources;
    sources.env = environment(vars);
    sources.configPath = configPath;
    sources.dataDirOverride = dataDir;
    sources.defaultConfigPath = u"/nonexistent/authshield.conf"_s;
    return sources;
}

QString shown(const LoadedConfig& loaded, const QString& id)
{
    const qsizetype dot = id.indexOf(u'.');
    const ConfigKey* key = findConfigKey(id.left(dot), id.mid(dot + 1));
    if (!key)
        qFatal("unknown key in test");
    return key->show(loaded.config);
}

uint modeOf(const QString& path)
{
    return fileMode(path).value_or(0xFFFF);
}

const QByteArray validKey = QByteArray(32, 'k').toBase64();

} // namespace

class TestConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noSourcesGiveDefaults()
    {
        const auto loaded = ConfigLoader::load(sourcesFor({}));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QVERIFY(loaded->configFile.isEmpty());
        QCOMPARE(loaded->config.profile, Profile::Dev);
        QCOMPARE(loaded->config.http.host, u"127.0.0.1"_s);
        QCOMPARE(loaded->config.http.port, quint16(8080));
        QCOMPARE(loaded->config.publicUrl, u"http://127.0.0.1:8080"_s);
        QVERIFY(loaded->config.apiDocs);
        QVERIFY(!loaded->config.dataDir.isEmpty());
        QCOMPARE(loaded->sources.value(u"http.threads"_s), u"default"_s);
    }

    void precedence_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<Vars>("env");
        QTest::addColumn<QString>("dataDirOption");
        QTest::addColumn<QString>("expectedDataDir");
        QTest::addColumn<QString>("expectedThreads");
        QTest::addColumn<QString>("expectedSource");

        QTest::addRow("file beats default")
            << QByteArray("[server]\ndata_dir = /from/file\n[http]\nthreads = 3\n") << Vars {} << QString()
            << u"/from/file"_s << u"3"_s << u"authshield.conf:4"_s;
        QTest::addRow("env beats file") << QByteArray("[server]\ndata_dir = /from/file\n[http]\nthreads = 3\n")
                                        << Vars { { u"AUTHSHIELD_SERVER_DATA_DIR"_s, u"/from/env"_s },
                                                  { u"AUTHSHIELD_HTTP_THREADS"_s, u"5"_s } }
                                        << QString() << u"/from/env"_s << u"5"_s << u"env AUTHSHIELD_HTTP_THREADS"_s;
        QTest::addRow("--data-dir beats env and file")
            << QByteArray("[server]\ndata_dir = /from/file\n") << Vars { { u"AUTHSHIELD_DATA_DIR"_s, u"/from/env"_s } }
            << u"/from/option"_s << u"/from/option"_s << u"0"_s << u"default"_s;
    }
    void precedence()
    {
        QFETCH(QByteArray, file);
        QFETCH(Vars, env);
        QFETCH(QString, dataDirOption);
        QFETCH(QString, expectedDataDir);
        QFETCH(QString, expectedThreads);
        QFETCH(QString, expectedSource);
        QTemporaryDir dir;
        const QString path = writeFile(dir, u"authshield.conf"_s, file);
        const auto loaded = ConfigLoader::load(sourcesFor(env, path, dataDirOption));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QCOMPARE(loaded->configFile, QFileInfo(path).absoluteFilePath());
        QCOMPARE(loaded->config.dataDir, expectedDataDir);
        QCOMPARE(shown(*loaded, u"http.threads"_s), expectedThreads);
        QVERIFY2(loaded->sources.value(u"http.threads"_s).endsWith(expectedSource),
                 qPrintable(loaded->sources.value(u"http.threads"_s)));
        if (!dataDirOption.isEmpty())
            QCOMPARE(loaded->sources.value(u"server.data_dir"_s), u"--data-dir"_s);
    }

    void configFileFromEnvironmentAndDefaultLocation()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, u"a.conf"_s, "[log]\nlevel = debug\n");
        auto viaEnv = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_CONFIG"_s, path } }));
        QVERIFY(viaEnv.ok());
        QCOMPARE(viaEnv->config.log.level, u"debug"_s);

        ConfigSources fallback = sourcesFor({});
        fallback.defaultConfigPath = path;
        auto viaDefault = ConfigLoader::load(fallback);
        QVERIFY(viaDefault.ok());
        QCOMPARE(viaDefault->configFile, path);
        QCOMPARE(viaDefault->config.log.level, u"debug"_s);
    }

    void environmentNames_data()
    {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("expected");
        QTest::addRow("AUTHSHIELD_ENV") << u"AUTHSHIELD_ENV"_s << u"test"_s << u"server.profile"_s << u"test"_s;
        QTest::addRow("AUTHSHIELD_SERVER_PROFILE")
            << u"AUTHSHIELD_SERVER_PROFILE"_s << u"prod"_s << u"server.profile"_s << u"prod"_s;
        QTest::addRow("AUTHSHIELD_DATA_DIR")
            << u"AUTHSHIELD_DATA_DIR"_s << u"/srv/a"_s << u"server.data_dir"_s << u"/srv/a"_s;
        QTest::addRow("AUTHSHIELD_PUBLIC_URL") << u"AUTHSHIELD_PUBLIC_URL"_s << u"https://id.example.com"_s
                                               << u"server.public_url"_s << u"https://id.example.com"_s;
        QTest::addRow("AUTHSHIELD_HTTP_LISTEN")
            << u"AUTHSHIELD_HTTP_LISTEN"_s << u"0.0.0.0:9090"_s << u"http.listen"_s << u"0.0.0.0:9090"_s;
        QTest::addRow("AUTHSHIELD_DATABASE_URL")
            << u"AUTHSHIELD_DATABASE_URL"_s << u"postgresql://auth@127.0.0.1:5432/auth"_s << u"database.url"_s
            << u"postgresql://auth@127.0.0.1:5432/auth"_s;
        QTest::addRow("AUTHSHIELD_REDIS_URL") << u"AUTHSHIELD_REDIS_URL"_s << u"redis://127.0.0.1:6379/2"_s
                                              << u"redis.url"_s << u"redis://127.0.0.1:6379/2"_s;
        QTest::addRow("AUTHSHIELD_TOKENS_AUDIENCE")
            << u"AUTHSHIELD_TOKENS_AUDIENCE"_s << u"api"_s << u"tokens.audience"_s << u"api"_s;
        QTest::addRow("AUTHSHIELD_TOKENS_ACCESS_TTL")
            << u"AUTHSHIELD_TOKENS_ACCESS_TTL"_s << u"600"_s << u"tokens.access_ttl"_s << u"10m"_s;
        QTest::addRow("AUTHSHIELD_RATELIMIT_LOGIN_IP")
            << u"AUTHSHIELD_RATELIMIT_LOGIN_IP"_s << u"1000/60s"_s << u"ratelimit.login_ip"_s << u"1000/1m"_s;
        QTest::addRow("AUTHSHIELD_HTTP_TRUSTED_PROXIES") << u"AUTHSHIELD_HTTP_TRUSTED_PROXIES"_s << u"10.0.0.0/8, ::1"_s
                                                         << u"http.trusted_proxies"_s << u"10.0.0.0/8, ::1/128"_s;
        QTest::addRow("AUTHSHIELD_LOG_LEVEL")
            << u"AUTHSHIELD_LOG_LEVEL"_s << u"warning"_s << u"log.level"_s << u"warning"_s;
    }
    void environmentNames()
    {
        QFETCH(QString, variable);
        QFETCH(QString, value);
        QFETCH(QString, id);
        QFETCH(QString, expected);
        const auto loaded = ConfigLoader::load(sourcesFor({ { variable, value } }));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QCOMPARE(shown(*loaded, id), expected);
        QCOMPARE(loaded->sources.value(id), u"env "_s + variable);
    }

    void everyKeyHasAnEnvironmentForm()
    {
        // Feeding each non-secret key its own default through the environment must be accepted as that key.
        const ServerConfig defaults;
        Vars vars;
        for (const ConfigKey& key : configKeys()) {
            if (!key.secret && !key.show(defaults).isEmpty())
                vars.append({ key.envName(), key.show(defaults) });
        }
        const auto loaded = ConfigLoader::load(sourcesFor(vars));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        for (const auto& [name, value] : vars) {
            const auto id = std::find_if(configKeys().cbegin(), configKeys().cend(), [&](const ConfigKey& key) {
                                return key.envName() == name;
                            })->id();
            QCOMPARE(loaded->sources.value(id), u"env "_s + name);
            QCOMPARE(shown(*loaded, id), value);
        }
    }

    void secretFiles_data()
    {
        QTest::addColumn<bool>("viaEnvironment");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<Vars>("extraEnv");
        const QByteArray hmac = "0123456789abcdef0123456789abcdef-hmac";
        for (bool env : { true, false }) {
            const char* how = env ? "env" : "file";
            QTest::addRow("database password via %s", how)
                << env << u"database.password"_s << QByteArray("db pass#;word\n") << Vars {};
            QTest::addRow("redis password via %s", how)
                << env << u"redis.password"_s << QByteArray("r3dis\r\n") << Vars {};
            QTest::addRow("hmac secret via %s", how) << env << u"tokens.hmac_secret"_s << hmac + '\n'
                                                     << Vars { { u"AUTHSHIELD_TOKENS_ALGORITHM"_s, u"HS256"_s } };
            QTest::addRow("encryption key via %s", how) << env << u"secrets.encryption_key"_s << validKey + '\n'
                                                        << Vars {};
        }
    }
    void secretFiles()
    {
        QFETCH(bool, viaEnvironment);
        QFETCH(QString, id);
        QFETCH(QByteArray, content);
        QFETCH(Vars, extraEnv);
        QTemporaryDir dir;
        const QString secretPath = writeFile(dir, u"secret"_s, content);
        const QString section = id.section(u'.', 0, 0);
        const QString name = id.section(u'.', 1);
        const ConfigKey* key = findConfigKey(section, name);
        QVERIFY(key && key->secret);
        Vars vars = extraEnv;
        QString configPath;
        if (viaEnvironment) {
            vars.append({ key->envFileName(), secretPath });
        } else {
            // Relative paths in the file resolve against the file's directory.
            configPath = writeFile(dir, u"a.conf"_s, u"[%1]\n%2_file = secret\n"_s.arg(section, name).toUtf8());
        }
        const auto loaded = ConfigLoader::load(sourcesFor(vars, configPath));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QByteArray expected = content;
        while (expected.endsWith('\n') || expected.endsWith('\r'))
            expected.chop(1);
        ServerConfig& config = const_cast<ServerConfig&>(loaded->config);
        const QString value = id == "database.password"_L1 ? config.database.password
            : id == "redis.password"_L1                    ? config.redis.password
            : id == "tokens.hmac_secret"_L1                ? config.tokens.hmacSecret
                                                           : config.secrets.encryptionKey;
        QCOMPARE(value.toUtf8(), expected);
        QCOMPARE(loaded->secretFiles.value(id), secretPath);
    }

    void bothSecretFormsAreAnError_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<Vars>("env");
        QTest::addRow("both in the file")
            << QByteArray("[database]\npassword = x\npassword_file = /tmp/x\n") << Vars {};
        QTest::addRow("both in the environment") << QByteArray()
                                                 << Vars { { u"AUTHSHIELD_DATABASE_PASSWORD"_s, u"x"_s },
                                                           { u"AUTHSHIELD_DATABASE_PASSWORD_FILE"_s, u"/tmp/x"_s } };
    }
    void bothSecretFormsAreAnError()
    {
        QFETCH(QByteArray, file);
        QFETCH(Vars, env);
        QTemporaryDir dir;
        const auto loaded = ConfigLoader::load(sourcesFor(env, writeFile(dir, u"a.conf"_s, file)));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, authshield::ErrorCode::ValidationFailed);
        QVERIFY2(loaded.error().fields.contains(u"database.password"_s), qPrintable(loaded.error().message));
        QVERIFY(!loaded.error().message.contains(u"x,"_s));
    }

    void missingOrEmptySecretFile()
    {
        QTemporaryDir dir;
        const QString empty = writeFile(dir, u"empty"_s, "\n");
        const auto loaded = ConfigLoader::load(
            sourcesFor({ { u"AUTHSHIELD_REDIS_PASSWORD_FILE"_s, empty },
                         { u"AUTHSHIELD_DATABASE_PASSWORD_FILE"_s, dir.filePath(u"missing"_s) } }));
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().message.contains(u"redis.password (env AUTHSHIELD_REDIS_PASSWORD_FILE): "_s));
        QVERIFY(loaded.error().message.contains(u"database.password (env AUTHSHIELD_DATABASE_PASSWORD_FILE): "_s
                                                u"cannot read secret file"_s));
    }

    void unknownNames_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<Vars>("env");
        QTest::addColumn<QString>("expectedLine");
        QTest::addRow("unknown key in the file")
            << QByteArray("[http]\nthreads = 2\nmax_body = 5\n") << Vars {}
            << u"http.max_body (%1:3): unknown key (did you mean max_body_bytes?)"_s;
        QTest::addRow("unknown section in the file") << QByteArray("[htpp]\nthreads = 2\n") << Vars {}
                                                     << u"[htpp] (%1:1): unknown section (did you mean http?)"_s;
        QTest::addRow("key outside a section")
            << QByteArray("threads = 2\n") << Vars {} << u"threads (%1:1): key outside a [section]"_s;
        QTest::addRow("line without equals")
            << QByteArray("[http]\nthreads\n") << Vars {} << u"config (%1:2): expected `key = value`"_s;
        QTest::addRow("unknown environment variable")
            << QByteArray() << Vars { { u"AUTHSHIELD_HTTP_MAX_BODY"_s, u"5"_s } }
            << u"AUTHSHIELD_HTTP_MAX_BODY (env): unknown environment variable (did you mean "
               u"AUTHSHIELD_HTTP_MAX_BODY_BYTES?)"_s;
        QTest::addRow("secret-looking typo in the environment")
            << QByteArray() << Vars { { u"AUTHSHIELD_DATABASE_PASWORD"_s, u"hunter2"_s } }
            << u"AUTHSHIELD_DATABASE_PASWORD (env): unknown environment variable"_s;
        QTest::addRow("_file form of a non-secret")
            << QByteArray("[http]\nthreads_file = /x\n") << Vars {} << u"http.threads_file (%1:2): unknown key"_s;
        QTest::addRow("duplicate key") << QByteArray("[http]\nthreads = 2\nthreads = 3\n") << Vars {}
                                       << u"http.threads (%1:3): set twice (first at line 2)"_s;
    }
    void unknownNames()
    {
        QFETCH(QByteArray, file);
        QFETCH(Vars, env);
        QFETCH(QString, expectedLine);
        QTemporaryDir dir;
        const QString path = writeFile(dir, u"a.conf"_s, file);
        const auto loaded = ConfigLoader::load(sourcesFor(env, path));
        QVERIFY(!loaded.ok());
        const QString expected = expectedLine.contains(u"%1"_s) ? expectedLine.arg(path) : expectedLine;
        QVERIFY2(loaded.error().message.split(u'\n').contains(expected) || loaded.error().message.contains(expected),
                 qPrintable(loaded.error().message));
        QVERIFY(!loaded.error().message.contains(u"hunter2"_s));
    }

    void knownNonKeyVariablesAreAccepted()
    {
        QTemporaryDir dir;
        const auto loaded = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_TEST_BACKEND"_s, u"sqlite"_s },
                                                            { u"AUTHSHIELD_TEST_ANYTHING"_s, u"1"_s },
                                                            { u"PATH"_s, u"/usr/bin"_s } }));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
    }

    void badValues_data()
    {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expectedLine");
        const auto row = [](const char* name, const QString& variable, const QString& value, const QString& id,
                            const QString& reason) {
            QTest::addRow("%s", name) << variable << value << id + u" (env "_s + variable + u"): "_s + reason;
        };
        row("not a number", u"AUTHSHIELD_HTTP_MAX_BODY_BYTES"_s, u"abc"_s, u"http.max_body_bytes"_s,
            u"\"abc\" is not a whole number"_s);
        row("body too small", u"AUTHSHIELD_HTTP_MAX_BODY_BYTES"_s, u"512"_s, u"http.max_body_bytes"_s,
            u"\"512\" is out of range: must be between 1024 (1 KiB) and 67108864 (64 MiB)"_s);
        row("body too large", u"AUTHSHIELD_HTTP_MAX_BODY_BYTES"_s, u"67108865"_s, u"http.max_body_bytes"_s,
            u"\"67108865\" is out of range: must be between 1024 (1 KiB) and 67108864 (64 MiB)"_s);
        row("header too large", u"AUTHSHIELD_HTTP_MAX_HEADER_BYTES"_s, u"2097152"_s, u"http.max_header_bytes"_s,
            u"\"2097152\" is out of range: must be between 1024 (1 KiB) and 1048576 (1 MiB)"_s);
        row("too many threads", u"AUTHSHIELD_HTTP_THREADS"_s, u"65"_s, u"http.threads"_s,
            u"\"65\" is out of range: must be between 0 and 64"_s);
        row("negative threads", u"AUTHSHIELD_HTTP_SLOW_POOL_THREADS"_s, u"-1"_s, u"http.slow_pool_threads"_s,
            u"\"-1\" is out of range: must be between 0 and 64"_s);
        row("port out of range", u"AUTHSHIELD_HTTP_LISTEN"_s, u"127.0.0.1:65536"_s, u"http.listen"_s,
            u"\"127.0.0.1:65536\": the port must be between 0 and 65535"_s);
        row("listen without port", u"AUTHSHIELD_HTTP_LISTEN"_s, u"127.0.0.1"_s, u"http.listen"_s,
            u"\"127.0.0.1\" is not host:port (IPv6 as [::1]:8080)"_s);
        row("unbracketed IPv6", u"AUTHSHIELD_HTTP_LISTEN"_s, u"::1:8080"_s, u"http.listen"_s,
            u"\"::1:8080\" is not host:port with an IP address host (IPv6 as [::1]:8080)"_s);
        row("bad bool", u"AUTHSHIELD_SERVER_API_DOCS"_s, u"maybe"_s, u"server.api_docs"_s,
            u"\"maybe\" is not a boolean (true or false)"_s);
        row("bad duration", u"AUTHSHIELD_HTTP_IDLE_TIMEOUT"_s, u"soon"_s, u"http.idle_timeout"_s,
            u"\"soon\" is not a duration (like 900, 30s, 15m, 2h, 7d or 500ms)"_s);
        row("zero TTL", u"AUTHSHIELD_TOKENS_ACCESS_TTL"_s, u"0"_s, u"tokens.access_ttl"_s,
            u"\"0\" is out of range: must be at least 1s and at most 365d (a bare number means seconds)"_s);
        row("sub-second TTL", u"AUTHSHIELD_TOKENS_REFRESH_TTL"_s, u"1500ms"_s, u"tokens.refresh_ttl"_s,
            u"\"1500ms\" must be whole seconds"_s);
        row("bad CIDR", u"AUTHSHIELD_HTTP_TRUSTED_PROXIES"_s, u"10.0.0.0/8, 10.0.0.0/33"_s, u"http.trusted_proxies"_s,
            u"\"10.0.0.0/33\" is not an address range like 10.0.0.0/8 or ::1"_s);
        row("bad log level", u"AUTHSHIELD_LOG_LEVEL"_s, u"verbose"_s, u"log.level"_s,
            u"\"verbose\" is not one of debug, info, warning, error"_s);
        row("bad algorithm", u"AUTHSHIELD_TOKENS_ALGORITHM"_s, u"none"_s, u"tokens.algorithm"_s,
            u"\"none\" is not one of EdDSA, ES256, RS256, HS256"_s);
        row("bad profile", u"AUTHSHIELD_ENV"_s, u"production"_s, u"server.profile"_s,
            u"\"production\" is not one of dev, test, prod"_s);
        row("password min length below NIST", u"AUTHSHIELD_PASSWORD_MIN_LENGTH"_s, u"7"_s, u"password.min_length"_s,
            u"\"7\" is out of range: must be between 8 and 128"_s);
        row("argon2 memory too small", u"AUTHSHIELD_PASSWORD_ARGON2_MEMORY_KIB"_s, u"4096"_s,
            u"password.argon2_memory_kib"_s,
            u"\"4096\" is out of range: must be between 8192 (8 KiB) and 4194304 (4 MiB)"_s);
        row("zero iterations", u"AUTHSHIELD_PASSWORD_ARGON2_ITERATIONS"_s, u"0"_s, u"password.argon2_iterations"_s,
            u"\"0\" is out of range: must be between 1 and 100"_s);
        row("bad public url", u"AUTHSHIELD_PUBLIC_URL"_s, u"auth.example.com"_s, u"server.public_url"_s,
            u"\"auth.example.com\" is not a URL starting with http://, https://"_s);
        row("bad database url", u"AUTHSHIELD_DATABASE_URL"_s, u"mysql://db/x"_s, u"database.url"_s,
            u"\"mysql://db/x\" is not sqlite:///path or postgresql://user@host:port/database"_s);
        row("bad redis url", u"AUTHSHIELD_REDIS_URL"_s, u"127.0.0.1:6379"_s, u"redis.url"_s,
            u"\"127.0.0.1:6379\" is not a URL starting with redis://"_s);
        row("password in database url", u"AUTHSHIELD_DATABASE_URL"_s, u"postgresql://u:hunter2@db/x"_s,
            u"database.url"_s, u"the URL contains a password; set database.password (or its _file form) instead"_s);
        row("password in a bad database url", u"AUTHSHIELD_DATABASE_URL"_s, u"mysql://u:hunter2@db/x"_s,
            u"database.url"_s, u"\"mysql://u@db/x\" is not sqlite:///path or postgresql://user@host:port/database"_s);
        row("password in redis url", u"AUTHSHIELD_REDIS_URL"_s, u"redis://:hunter2@127.0.0.1:6379/0"_s, u"redis.url"_s,
            u"the URL contains a password; set redis.password (or its _file form) instead"_s);
        row("alias and canonical name both set", u"AUTHSHIELD_SERVER_PROFILE"_s, u"test"_s, u"server.profile"_s,
            u"also set by env AUTHSHIELD_ENV; set only one of them"_s);
        row("bad rate rule", u"AUTHSHIELD_RATELIMIT_LOGIN_IP"_s, u"lots"_s, u"ratelimit.login_ip"_s,
            u"\"lots\" is not <count>/<window> like 10/60s"_s);
        row("short encryption key", u"AUTHSHIELD_SECRETS_ENCRYPTION_KEY"_s, u"c2hvcnQ="_s, u"secrets.encryption_key"_s,
            u"must be 32 bytes encoded as base64 (e.g. head -c 32 /dev/urandom | base64)"_s);
        row("HS256 without secret", u"AUTHSHIELD_TOKENS_ALGORITHM"_s, u"HS256"_s, u"tokens.hmac_secret"_s,
            u"tokens.algorithm is HS256, which needs tokens.hmac_secret (at least 32 bytes)"_s);
        row("hmac secret without HS256", u"AUTHSHIELD_TOKENS_HMAC_SECRET"_s, u"0123456789abcdef0123456789abcdef"_s,
            u"tokens.hmac_secret"_s, u"is set but tokens.algorithm is EdDSA; remove it or set algorithm = HS256"_s);
    }
    void badValues()
    {
        QFETCH(QString, variable);
        QFETCH(QString, value);
        QFETCH(QString, expectedLine);
        Vars vars { { variable, value } };
        if (variable == "AUTHSHIELD_SERVER_PROFILE"_L1)
            vars.append({ u"AUTHSHIELD_ENV"_s, u"test"_s });
        const auto loaded = ConfigLoader::load(sourcesFor(vars));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, authshield::ErrorCode::ValidationFailed);
        QVERIFY(!loaded.error().message.contains(u"hunter2"_s));
        QCOMPARE(loaded.error().message, expectedLine);
        QCOMPARE(loaded.error().fields.size(), 1);
    }

    void shortHmacSecretIsRejected()
    {
        const auto loaded
            = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_TOKENS_ALGORITHM"_s, u"HS256"_s },
                                              { u"AUTHSHIELD_TOKENS_HMAC_SECRET"_s, u"tooshort-xyz"_s } }));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().message,
                 u"tokens.hmac_secret (env AUTHSHIELD_TOKENS_HMAC_SECRET): must be at least "
                 u"32 bytes for HS256 (it has 12)"_s);
    }

    void allProblemsAreReportedAtOnce()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, u"a.conf"_s, "[http]\nthreads = many\nmax_body_bytes = 1\n[bogus]\n");
        const auto loaded = ConfigLoader::load(
            sourcesFor({ { u"AUTHSHIELD_LOG_LEVEL"_s, u"loud"_s }, { u"AUTHSHIELD_NOPE"_s, u"1"_s } }, path));
        QVERIFY(!loaded.ok());
        const QStringList lines = loaded.error().message.split(u'\n');
        QCOMPARE(lines.size(), 5);
        const QMap<QString, QString>& fields = loaded.error().fields;
        for (const QString& name :
             { u"http.threads"_s, u"http.max_body_bytes"_s, u"[bogus]"_s, u"log.level"_s, u"AUTHSHIELD_NOPE"_s })
            QVERIFY2(fields.contains(name), qPrintable(name));
        QVERIFY(loaded.error().message.contains(u"http.threads ("_s + path + u":2): \"many\" is not a whole number"_s));
    }

    void missingExplicitConfigFile_data()
    {
        QTest::addColumn<bool>("viaOption");
        QTest::addRow("--config") << true;
        QTest::addRow("AUTHSHIELD_CONFIG") << false;
    }
    void missingExplicitConfigFile()
    {
        QFETCH(bool, viaOption);
        QTemporaryDir dir;
        const QString missing = dir.filePath(u"nope.conf"_s);
        const auto loaded = viaOption ? ConfigLoader::load(sourcesFor({}, missing))
                                      : ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_CONFIG"_s, missing } }));
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.startsWith(u"config ("_s), qPrintable(loaded.error().message));
        QVERIFY(loaded.error().message.contains(missing));
    }

    void missingDefaultConfigFileIsFine()
    {
        ConfigSources sources = sourcesFor({});
        sources.defaultConfigPath = u"/nonexistent/dir/authshield.conf"_s;
        const auto loaded = ConfigLoader::load(sources);
        QVERIFY(loaded.ok());
        QVERIFY(loaded->configFile.isEmpty());
    }

    void fileSyntax()
    {
        QTemporaryDir dir;
        const QString path = writeFile(
            dir, u"a.conf"_s,
            "\xEF\xBB\xBF# comment\r\n; other comment\r\n\r\n[tokens]\r\n"
            "  audience   =   my api  \r\n"
            "[database]\n"
            "password = \"  spaced \\\" pass#word \"  # trailing comment\n"
            "[redis]\npassword = 'lit\\eral'\n"
            "[http]\ntrusted_proxies = 10.0.0.0/8,192.168.0.0/16  # office\n"
            "[tokens]\nalgorithm = HS256 # comment\nhmac_secret = 0123456789abcdef0123456789abcdef #not-a-comment\n");
        const auto loaded = ConfigLoader::load(sourcesFor({}, path));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QCOMPARE(loaded->config.tokens.audience, u"my api"_s);
        QCOMPARE(loaded->config.database.password, u"  spaced \" pass#word "_s);
        QCOMPARE(loaded->config.redis.password, u"lit\\eral"_s);
        QCOMPARE(loaded->config.http.trustedProxies.size(), 2);
        QCOMPARE(loaded->config.tokens.algorithm, u"HS256"_s);
        QCOMPARE(loaded->config.tokens.hmacSecret, u"0123456789abcdef0123456789abcdef #not-a-comment"_s);
        QCOMPARE(loaded->sources.value(u"tokens.audience"_s), path + u":5"_s);
    }

    void listenAddresses_data()
    {
        QTest::addColumn<QString>("listen");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("publicUrl");
        QTest::addRow("IPv4") << u"127.0.0.1:8081"_s << u"127.0.0.1"_s << 8081 << u"http://127.0.0.1:8081"_s;
        QTest::addRow("IPv6 loopback") << u"[::1]:8080"_s << u"::1"_s << 8080 << u"http://[::1]:8080"_s;
        QTest::addRow("IPv6 any") << u"[::]:9000"_s << u"::"_s << 9000 << u"http://[::1]:9000"_s;
        QTest::addRow("IPv4 any") << u"0.0.0.0:80"_s << u"0.0.0.0"_s << 80 << u"http://127.0.0.1:80"_s;
        QTest::addRow("localhost") << u"localhost:8080"_s << u"127.0.0.1"_s << 8080 << u"http://127.0.0.1:8080"_s;
        QTest::addRow("port 0 leaves the URL to the server") << u"127.0.0.1:0"_s << u"127.0.0.1"_s << 0 << QString();
    }
    void listenAddresses()
    {
        QFETCH(QString, listen);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, publicUrl);
        const auto loaded = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_HTTP_LISTEN"_s, listen } }));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QCOMPARE(loaded->config.http.host, host);
        QCOMPARE(int(loaded->config.http.port), port);
        QCOMPARE(loaded->config.publicUrl, publicUrl);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expectedMs");
        QTest::addRow("bare number is seconds") << u"900"_s << qint64(900000);
        QTest::addRow("minutes") << u"15m"_s << qint64(900000);
        QTest::addRow("seconds") << u"30s"_s << qint64(30000);
        QTest::addRow("milliseconds") << u"500ms"_s << qint64(500);
        QTest::addRow("days") << u"7d"_s << qint64(7) * 24 * 3600 * 1000;
        QTest::addRow("hours") << u"2h"_s << qint64(7200000);
        QTest::addRow("compound") << u"1h30m"_s << qint64(5400000);
        QTest::addRow("upper case and spaces") << u" 10S "_s << qint64(10000);
        QTest::addRow("zero") << u"0"_s << qint64(0);
        QTest::addRow("empty") << QString() << qint64(-1);
        QTest::addRow("unknown unit") << u"5y"_s << qint64(-1);
        QTest::addRow("negative") << u"-5s"_s << qint64(-1);
        QTest::addRow("fraction") << u"1.5s"_s << qint64(-1);
        QTest::addRow("bare number after a unit") << u"1m30"_s << qint64(-1);
        QTest::addRow("overflow") << u"99999999999999999999d"_s << qint64(-1);
        QTest::addRow("unit only") << u"ms"_s << qint64(-1);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, expectedMs);
        const auto parsed = Duration::parse(text);
        if (expectedMs < 0) {
            QVERIFY(!parsed.has_value());
            return;
        }
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->count(), expectedMs);
        QCOMPARE(Duration::parse(Duration::format(*parsed)), parsed);
    }

    void durationFormat()
    {
        QCOMPARE(Duration::format(std::chrono::seconds(900)), u"15m"_s);
        QCOMPARE(Duration::format(milliseconds(1500)), u"1s500ms"_s);
        QCOMPARE(Duration::format(std::chrono::hours(24 * 30)), u"30d"_s);
        QCOMPARE(Duration::format(milliseconds(0)), u"0"_s);
    }

    void renderMasksSecretsAndShowsSources()
    {
        QTemporaryDir dir;
        const QString hmac = u"hmac-secret-value-0123456789abcdefXYZ"_s;
        const QString keyFile = writeFile(dir, u"enc.key"_s, validKey + '\n');
        const QString path
            = writeFile(dir, u"a.conf"_s, "[database]\npassword = db-secret-value\n[tokens]\nalgorithm = HS256\n");
        const auto loaded = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_TOKENS_HMAC_SECRET"_s, hmac },
                                                            { u"AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE"_s, keyFile },
                                                            { u"AUTHSHIELD_HTTP_THREADS"_s, u"4"_s } },
                                                          path));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        const QString text = renderEffectiveConfig(*loaded);
        for (const QString& secret : { hmac, u"db-secret-value"_s, QString::fromLatin1(validKey) })
            QVERIFY2(!text.contains(secret), qPrintable(text));
        const QStringList lines = text.split(u'\n');
        QVERIFY(lines.contains(u"password = ********  # "_s + path + u":2"_s));
        QVERIFY(lines.contains(u"hmac_secret = ********  # env AUTHSHIELD_TOKENS_HMAC_SECRET"_s));
        QVERIFY(lines.contains(u"encryption_key = ********  # env AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE, read from "_s
                               + keyFile));
        QVERIFY(lines.contains(u"password = <not set>  # default"_s)); // redis
        QVERIFY(lines.contains(u"threads = 4  # env AUTHSHIELD_HTTP_THREADS"_s));
        QVERIFY(lines.contains(u"algorithm = HS256  # "_s + path + u":4"_s));
        QVERIFY(lines.contains(u"access_ttl = 15m  # default"_s));
        QVERIFY(lines.contains(u"public_url = http://127.0.0.1:8080  # default from http.listen"_s));
        for (const ConfigKey& key : configKeys())
            QVERIFY2(text.contains(u'\n' + key.name + u" ="_s), qPrintable(key.id()));
    }

    void renderedConfigLoadsBackToTheSameValues()
    {
        const auto first = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_HTTP_TRUSTED_PROXIES"_s, u"10.0.0.0/8"_s },
                                                           { u"AUTHSHIELD_TOKENS_AUDIENCE"_s, u" spaced "_s },
                                                           { u"AUTHSHIELD_HTTP_LISTEN"_s, u"[::1]:7000"_s } }));
        QVERIFY(first.ok());
        QString text = renderEffectiveConfig(*first);
        // Secrets are masked, so drop their lines before reading the text back.
        QStringList kept;
        for (const QString& line : text.split(u'\n')) {
            if (!line.contains(u"<not set>"_s) && !line.contains(u"********"_s))
                kept.append(line);
        }
        QTemporaryDir dir;
        const QString path = writeFile(dir, u"round.conf"_s, kept.join(u'\n').toUtf8());
        const auto second = ConfigLoader::load(sourcesFor({}, path));
        QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().message));
        for (const ConfigKey& key : configKeys())
            QCOMPARE(key.show(second->config), key.show(first->config));
    }

    void dataDirIsPrivateAndDevKeyIsReused()
    {
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(u"nested/data"_s);
        QString firstKey;
        for (int run = 0; run < 2; ++run) {
            auto loaded = ConfigLoader::load(sourcesFor({ { u"AUTHSHIELD_ENV"_s, u"test"_s } }, {}, dataDir));
            QVERIFY(loaded.ok());
            ServerConfig config = loaded->config;
            QVERIFY(prepareDataDir(config).ok());
            QVERIFY(ensureDevSecrets(config).ok());
            QCOMPARE(config.dataDir, QFileInfo(dataDir).absoluteFilePath());
            QCOMPARE(config.database.url, u"sqlite://"_s + config.dataDir + u"/authshield.db"_s);
            for (const QString& sub : { QString(), u"/mail"_s, u"/secrets"_s })
                QCOMPARE(modeOf(config.dataDir + sub), 0700u);
            const QString keyPath = config.dataDir + u"/secrets/encryption.key"_s;
            QCOMPARE(modeOf(keyPath), 0600u);
            QVERIFY(config.secrets.encryptionKeyGenerated);
            const auto decoded = QByteArray::fromBase64Encoding(config.secrets.encryptionKey.toLatin1(),
                                                                QByteArray::AbortOnBase64DecodingErrors);
            QVERIFY(decoded);
            QCOMPARE(decoded.decoded.size(), 32);
            if (run == 0)
                firstKey = config.secrets.encryptionKey;
            else
                QCOMPARE(config.secrets.encryptionKey, firstKey);

            LoadedConfig shownConfig = *loaded;
            shownConfig.config = config;
            const QString text = renderEffectiveConfig(shownConfig);
            QVERIFY(!text.contains(firstKey));
            QVERIFY(text.contains(u"encryption_key = ********  # generated in "_s + keyPath));
        }
    }

    void looseDataDirIsTightened()
    {
        QTemporaryDir dir;
        const QString dataDir = dir.filePath(u"data"_s);
        QVERIFY(QDir().mkpath(dataDir));
        QFile::setPermissions(dataDir,
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                  | QFileDevice::ReadOther | QFileDevice::ExeOther);
        ServerConfig config;
        config.dataDir = dataDir;
        QVERIFY(prepareDataDir(config).ok());
        QCOMPARE(modeOf(dataDir), 0700u);
    }

    void relativeDataDirBecomesAbsolute()
    {
        QTemporaryDir dir;
        const QString previous = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir.path()));
        ServerConfig config;
        config.dataDir = u"rel/var"_s;
        const auto prepared = prepareDataDir(config);
        QDir::setCurrent(previous);
        QVERIFY(prepared.ok());
        QCOMPARE(config.dataDir, QDir(dir.path()).filePath(u"rel/var"_s));
        QVERIFY(QFileInfo(config.dataDir).isDir());
    }

    void defaultDataDirFollowsWritability()
    {
        QTemporaryDir dir;
        QCOMPARE(defaultDataDir(QProcessEnvironment(), dir.path()), dir.filePath(u"var"_s));
        // A directory that does not exist is not writable, even for root.
        const QString unwritable = dir.filePath(u"gone"_s);
        const auto env = environment({ { u"XDG_DATA_HOME"_s, u"/xdg/data"_s }, { u"HOME"_s, u"/home/u"_s } });
        QCOMPARE(defaultDataDir(env, unwritable), u"/xdg/data/authshield"_s);
        const auto noXdg = environment({ { u"HOME"_s, u"/home/u"_s } });
        QCOMPARE(defaultDataDir(noXdg, unwritable), u"/home/u/.local/share/authshield"_s);
    }

    void prodNeverGeneratesAKey()
    {
        QTemporaryDir dir;
        ServerConfig config;
        config.profile = Profile::Prod;
        config.dataDir = dir.filePath(u"data"_s);
        QVERIFY(prepareDataDir(config).ok());
        QVERIFY(ensureDevSecrets(config).ok());
        QVERIFY(config.secrets.encryptionKey.isEmpty());
        QVERIFY(!config.secrets.encryptionKeyGenerated);
        QVERIFY(!QFile::exists(config.dataDir + u"/secrets/encryption.key"_s));
    }

    void corruptDevKeyIsAnError()
    {
        QTemporaryDir dir;
        ServerConfig config;
        config.dataDir = dir.filePath(u"data"_s);
        QVERIFY(prepareDataDir(config).ok());
        writeFile(dir, u"data/secrets/encryption.key"_s, "not base64 at all\n");
        const auto ensured = ensureDevSecrets(config);
        QVERIFY(!ensured.ok());
        QVERIFY(ensured.error().message.contains(u"encryption.key"_s));
    }

    // After changing the key table, regenerate the example with
    //   AUTHSHIELD_TEST_WRITE_EXAMPLE=resources/authshield.conf.example unit_tst_config exampleFileDocumentsEveryKey
    void exampleFileDocumentsEveryKey()
    {
        const QString regenerate = qEnvironmentVariable("AUTHSHIELD_TEST_WRITE_EXAMPLE");
        if (!regenerate.isEmpty()) {
            QFile out(regenerate);
            QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
            out.write(renderExampleConfig().toUtf8());
        }
        // Read from the source tree: the file ships as /etc/authshield/authshield.conf in the package.
        QFile example(sourceDir() + u"/resources/authshield.conf.example"_s);
        QVERIFY(example.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(example.readAll());
        QCOMPARE(text, renderExampleConfig());
        for (const ConfigKey& key : configKeys())
            QVERIFY2(text.contains(u"\n# "_s + key.name + u" ="_s), qPrintable(key.id()));

        // Uncommenting every example line must load cleanly and give the built-in defaults.
        QStringList uncommented;
        for (const QString& line : text.split(u'\n')) {
            if (line.startsWith(u'[')) {
                uncommented.append(line);
            } else if (line.startsWith(u"# "_s) && line.contains(u" ="_s) && !line.contains(u"_file ="_s)
                       && !line.contains(u"env:"_s) && line.indexOf(u' ', 2) == line.indexOf(u" ="_s)) {
                uncommented.append(line.mid(2));
            }
        }
        QTemporaryDir dir;
        const auto loaded
            = ConfigLoader::load(sourcesFor({}, writeFile(dir, u"ex.conf"_s, uncommented.join(u'\n').toUtf8())));
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        const ServerConfig defaults;
        for (const ConfigKey& key : configKeys()) {
            if (key.id() != "server.public_url"_L1 && key.id() != "server.data_dir"_L1)
                QCOMPARE(key.show(loaded->config), key.show(defaults));
        }
    }
};

} // namespace authshield::test

QTEST_GUILESS_MAIN(authshield::test::TestConfig)
#include "tst_config.moc"
