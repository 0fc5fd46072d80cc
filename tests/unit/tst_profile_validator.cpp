#include "server/core/ConfigLoader.h"
#include "server/core/ProfileValidator.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace authshield::server;
using namespace Qt::Literals::StringLiterals;

namespace authshield::test {

namespace {

const QByteArray validKey = QByteArray(32, 'k').toBase64() + '\n';

QString writeSecret(const QTemporaryDir& dir, const QString& name, const QByteArray& content, uint mode)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        qFatal("cannot write test file");
    file.close();
    QFileDevice::Permissions permissions;
    if (mode & 0400u)
        permissions |= QFileDevice::ReadOwner;
    if (mode & 0200u)
        permissions |= QFileDevice::WriteOwner;
    if (mode & 0040u)
        permissions |= QFileDevice::ReadGroup;
    if (mode & 0004u)
        permissions |= QFileDevice::ReadOther;
    QFile::setPermissions(path, permissions);
    return path;
}

// A production setup that passes: every refusal row below breaks exactly one thing in it.
QProcessEnvironment validProdEnvironment(const QString& keyFile)
{
    QProcessEnvironment env;
    env.insert(u"AUTHSHIELD_ENV"_s, u"prod"_s);
    env.insert(u"AUTHSHIELD_PUBLIC_URL"_s, u"https://id.example.com"_s);
    env.insert(u"AUTHSHIELD_DATABASE_URL"_s, u"postgresql://authshield@127.0.0.1:5432/authshield"_s);
    env.insert(u"AUTHSHIELD_REDIS_URL"_s, u"redis://127.0.0.1:6379/0"_s);
    env.insert(u"AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE"_s, keyFile);
    env.insert(u"AUTHSHIELD_METRICS_LISTEN"_s, u"127.0.0.1:9464"_s);
    return env;
}

LoadedConfig load(const QProcessEnvironment& env)
{
    ConfigSources sources;
    sources.env = env;
    sources.defaultConfigPath.clear();
    auto loaded = ConfigLoader::load(sources);
    if (!loaded.ok())
        qFatal("test config does not load: %s", qPrintable(loaded.error().message));
    return loaded.value();
}

} // namespace

class TestProfileValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validProdConfigPasses()
    {
        QTemporaryDir dir;
        const LoadedConfig loaded = load(validProdEnvironment(writeSecret(dir, u"key"_s, validKey, 0600)));
        QCOMPARE(ProfileValidator::prodProblems(loaded), QStringList());
        QCOMPARE(ProfileValidator::prodWarnings(loaded), QStringList());
    }

    void explicitSqliteIsAllowedInProd()
    {
        QTemporaryDir dir;
        auto env = validProdEnvironment(writeSecret(dir, u"key"_s, validKey, 0400));
        env.insert(u"AUTHSHIELD_DATABASE_URL"_s, u"sqlite:///var/lib/authshield/authshield.db"_s);
        QCOMPARE(ProfileValidator::prodProblems(load(env)), QStringList());
    }

    void prodRefusals_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("expectedStart");
        QTest::addColumn<QString>("expectedFix");
        QTest::addRow("missing encryption key")
            << u"unset AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE"_s << u"secrets.encryption_key is not set"_s
            << u"encryption_key_file = /etc/authshield/encryption.key"_s;
        QTest::addRow("generated encryption key")
            << u"generated key"_s << u"secrets.encryption_key was generated into the data dir"_s
            << u"AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE"_s;
        QTest::addRow("world-readable secret file")
            << u"mode 0644"_s << u"The secret file "_s << u"(mode 0644): run chmod 600 "_s;
        QTest::addRow("group-readable secret file")
            << u"mode 0640"_s << u"The secret file "_s << u"(mode 0640): run chmod 600 "_s;
        QTest::addRow("missing public url")
            << u"unset AUTHSHIELD_PUBLIC_URL"_s << u"server.public_url is not set"_s << u"AUTHSHIELD_PUBLIC_URL"_s;
        QTest::addRow("public url not https")
            << u"set AUTHSHIELD_PUBLIC_URL=http://id.example.com"_s
            << u"server.public_url http://id.example.com is not https"_s << u"set an https:// URL"_s;
        QTest::addRow("api docs enabled")
            << u"set AUTHSHIELD_SERVER_API_DOCS=true"_s << u"server.api_docs is enabled"_s << u"api_docs = false"_s;
        QTest::addRow("short HS256 secret")
            << u"short hmac"_s << u"tokens.algorithm is HS256"_s << u"at least 32 random bytes"_s;
        QTest::addRow("metrics public")
            << u"unset AUTHSHIELD_METRICS_LISTEN"_s << u"GET /metrics would be public"_s
            << u"AUTHSHIELD_METRICS_BEARER_TOKEN_FILE"_s;
        QTest::addRow("database url unset")
            << u"unset AUTHSHIELD_DATABASE_URL"_s << u"database.url is not set"_s << u"AUTHSHIELD_DATABASE_URL"_s;
    }
    void prodRefusals()
    {
        QFETCH(QString, change);
        QFETCH(QString, expectedStart);
        QFETCH(QString, expectedFix);
        QTemporaryDir dir;
        const uint mode = change.startsWith(u"mode "_s) ? change.mid(5).toUInt(nullptr, 8) : 0600u;
        const QString keyFile = writeSecret(dir, u"key"_s, validKey, mode);
        auto env = validProdEnvironment(keyFile);
        if (change.startsWith(u"unset "_s))
            env.remove(change.mid(6));
        if (change.startsWith(u"set "_s)) {
            const QString assignment = change.mid(4);
            env.insert(assignment.section(u'=', 0, 0), assignment.section(u'=', 1));
        }
        LoadedConfig loaded = load(env);
        if (change == "generated key"_L1) {
            loaded.secretFiles.clear();
            loaded.config.secrets.encryptionKeyGenerated = true;
        }
        if (change == "short hmac"_L1) {
            // The loader already rejects this; the prod check must hold for configs built any other way too.
            loaded.config.tokens.algorithm = u"HS256"_s;
            loaded.config.tokens.hmacSecret = u"short"_s;
        }
        const QStringList problems = ProfileValidator::prodProblems(loaded);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(expectedStart), qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(expectedFix), qPrintable(problems.first()));
        if (change.startsWith(u"mode "_s))
            QVERIFY(problems.first().endsWith(u"chmod 600 "_s + keyFile + u'.'));
        QVERIFY(problems.first().endsWith(u'.'));
    }

    void everySecretFileIsChecked()
    {
        QTemporaryDir dir;
        auto env = validProdEnvironment(writeSecret(dir, u"key"_s, validKey, 0600));
        const QString dbPassword = writeSecret(dir, u"db"_s, "pw\n", 0644);
        env.insert(u"AUTHSHIELD_DATABASE_PASSWORD_FILE"_s, dbPassword);
        const QStringList problems = ProfileValidator::prodProblems(load(env));
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems.first().contains(u"(database.password)"_s));
        QVERIFY(problems.first().endsWith(u"chmod 600 "_s + dbPassword + u'.'));
    }

    void worldReadableConfigFileWithInlineSecretsIsRefused_data()
    {
        QTest::addColumn<uint>("mode");
        QTest::addColumn<bool>("refused");
        QTest::addRow("0644") << 0644u << true;
        QTest::addRow("0640") << 0640u << false;
    }
    void worldReadableConfigFileWithInlineSecretsIsRefused()
    {
        QFETCH(uint, mode);
        QFETCH(bool, refused);
        QTemporaryDir dir;
        const QString configFile = writeSecret(dir, u"authshield.conf"_s, "[database]\npassword = pw\n", mode);
        ConfigSources sources;
        sources.env = validProdEnvironment(writeSecret(dir, u"key"_s, validKey, 0600));
        sources.configPath = configFile;
        const auto loaded = ConfigLoader::load(sources);
        QVERIFY(loaded.ok());
        const QStringList problems = ProfileValidator::prodProblems(*loaded);
        QCOMPARE(problems.size(), refused ? 1 : 0);
        if (refused) {
            QCOMPARE(problems.first(),
                     u"The config file "_s + configFile
                         + u" holds secrets (database.password) and "
                           u"is readable by others (mode 0644): run chmod 640 "_s
                         + configFile + u", or move the secrets to *_file files."_s);
        }
    }

    void fileModesCanBeInjected()
    {
        QTemporaryDir dir;
        const QString keyFile = writeSecret(dir, u"key"_s, validKey, 0600);
        const LoadedConfig loaded = load(validProdEnvironment(keyFile));
        const auto worldReadable = [](const QString&) -> std::optional<uint> { return 0604u; };
        const QStringList problems = ProfileValidator::prodProblems(loaded, worldReadable);
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems.first().contains(u"run chmod 600 "_s + keyFile));
        const auto unreadable = [](const QString&) -> std::optional<uint> { return std::nullopt; };
        QCOMPARE(ProfileValidator::prodProblems(loaded, unreadable).size(), 1);
    }

    void everyProblemIsReportedAtOnce()
    {
        QProcessEnvironment env;
        env.insert(u"AUTHSHIELD_ENV"_s, u"prod"_s);
        env.insert(u"AUTHSHIELD_SERVER_API_DOCS"_s, u"true"_s);
        const QStringList problems = ProfileValidator::prodProblems(load(env));
        QCOMPARE(problems.size(), 5); // encryption key, public url, api docs, public metrics, database url
    }

    void missingRedisIsOnlyAWarning()
    {
        QTemporaryDir dir;
        auto env = validProdEnvironment(writeSecret(dir, u"key"_s, validKey, 0600));
        env.remove(u"AUTHSHIELD_REDIS_URL"_s);
        const LoadedConfig loaded = load(env);
        QCOMPARE(ProfileValidator::prodProblems(loaded), QStringList());
        const QStringList warnings = ProfileValidator::prodWarnings(loaded);
        QCOMPARE(warnings.size(), 1);
        QVERIFY(warnings.first().startsWith(u"redis.url is not set"_s));
    }

    void devAndTestRefuseNothing_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addRow("dev") << u"dev"_s;
        QTest::addRow("test") << u"test"_s;
    }
    void devAndTestRefuseNothing()
    {
        QFETCH(QString, profile);
        QTemporaryDir dir;
        QProcessEnvironment env;
        env.insert(u"AUTHSHIELD_ENV"_s, profile);
        env.insert(u"AUTHSHIELD_PUBLIC_URL"_s, u"http://insecure.example.com"_s);
        env.insert(u"AUTHSHIELD_DATABASE_PASSWORD_FILE"_s, writeSecret(dir, u"db"_s, "pw", 0644));
        LoadedConfig loaded = load(env);
        loaded.config.secrets.encryptionKeyGenerated = true;
        QVERIFY(loaded.config.apiDocs);
        QCOMPARE(ProfileValidator::prodProblems(loaded), QStringList());
        QCOMPARE(ProfileValidator::prodWarnings(loaded), QStringList());
    }
};

} // namespace authshield::test

QTEST_GUILESS_MAIN(authshield::test::TestProfileValidator)
#include "tst_profile_validator.moc"
