#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using authshield::test::serverBinaryPath;

namespace {
struct Run
{
    int exitCode = -1;
    QString out;
};

Run run(const QString& program, const QStringList& arguments, int timeoutMs = 60000,
        const QMap<QString, QString>& env = {})
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        environment.insert(it.key(), it.value());
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    Run result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.out = program + " timed out: " + QString::fromUtf8(process.readAll());
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAll());
    return result;
}

struct Stat
{
    bool exists = false;
    uint mode = 0;
    uint uid = 0;
    uint gid = 0;
};

Stat statOf(const QString& path)
{
    struct stat info = {};
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return {};
    return {true, uint(info.st_mode) & 07777u, info.st_uid, info.st_gid};
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// "authshield:x:999:999:…" → the third field of the line for name.
int idOf(const QString& file, const QString& name)
{
    for (const QByteArray& line : readAll(file).split('\n')) {
        const QList<QByteArray> fields = line.split(':');
        if (fields.size() > 2 && fields.at(0) == name.toUtf8())
            return fields.at(2).toInt();
    }
    return -1;
}
} // namespace

// The Debian packages as built by CPack from this build tree (the test build: the binaries carry the
// sanitizers, so Depends also lists their runtime libraries; `make package` builds the release packages with the
// same rules): their files, modes, dependencies and maintainer scripts, installed into a scratch root with
// dpkg --root, and the systemd unit's verification and exposure score.
class TestPackaging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        const QString buildDir = QFileInfo(serverBinaryPath()).absoluteDir().absoluteFilePath("..");
        const QString cpackConfig = QDir(buildDir).absoluteFilePath("CPackConfig.cmake");
        QVERIFY2(QFile::exists(cpackConfig), qPrintable(cpackConfig));
        QVERIFY(m_out.isValid());
        const Run cpack = run("cpack", {"-G", "DEB", "--config", cpackConfig, "-B", m_out.path()}, 400000);
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.out));
        for (const QFileInfo& deb : QDir(m_out.path()).entryInfoList({"*.deb"}, QDir::Files)) {
            if (deb.fileName().startsWith("authshield-server_"))
                m_serverDeb = deb.absoluteFilePath();
            else if (deb.fileName().startsWith("authshield-console_"))
                m_consoleDeb = deb.absoluteFilePath();
        }
        QVERIFY2(!m_serverDeb.isEmpty(), qPrintable(cpack.out));
    }

    void serverPackageFiles_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("permissions");
        QTest::addRow("binary") << "./usr/bin/authshield-server" << "-rwxr-xr-x";
        QTest::addRow("default config") << "./etc/authshield/authshield.conf" << "-rw-r-----";
        QTest::addRow("systemd unit") << "./lib/systemd/system/authshield-server.service" << "-rw-r--r--";
        QTest::addRow("copyright") << "./usr/share/doc/authshield-server/copyright" << "-rw-r--r--";
        QTest::addRow("manual page") << "./usr/share/man/man1/authshield-server.1.gz" << "-rw-r--r--";
        QTest::addRow("lintian overrides") << "./usr/share/lintian/overrides/authshield-server" << "-rw-r--r--";
        QTest::addRow("changelog") << "./usr/share/doc/authshield-server/changelog.Debian.gz" << "-rw-r--r--";
    }
    void serverPackageFiles()
    {
        QFETCH(QString, path);
        QFETCH(QString, permissions);
        const Run contents = run("dpkg-deb", {"-c", m_serverDeb});
        QCOMPARE(contents.exitCode, 0);
        const QRegularExpression entry("^" + QRegularExpression::escape(permissions) + " root/root .* "
                                           + QRegularExpression::escape(path) + "$",
                                       QRegularExpression::MultilineOption);
        QVERIFY2(entry.match(contents.out).hasMatch(), qPrintable(contents.out));
    }

    void serverPackageControl()
    {
        const Run fields = run("dpkg-deb", {"-f", m_serverDeb, "Package", "Section", "Depends"});
        QCOMPARE(fields.exitCode, 0);
        QVERIFY2(fields.out.contains("Package: authshield-server"), qPrintable(fields.out));
        QVERIFY2(fields.out.contains("Section: net"), qPrintable(fields.out));
        // From dpkg-shlibdeps, plus the plugins and tools it cannot see.
        for (const char* dependency : {"libqt6core6", "libqt6network6", "libqt6sql6 ", "libqt6httpserver6",
                                       "libsodium23", "libhiredis0.14", "libssl3", "libc6", "libqt6sql6-sqlite",
                                       "libqt6sql6-psql", "passwd"})
            QVERIFY2(fields.out.contains(QLatin1String(dependency)), qPrintable(QLatin1String(dependency) + ": " + fields.out));

        QTemporaryDir control;
        QCOMPARE(run("dpkg-deb", {"-e", m_serverDeb, control.path()}).exitCode, 0);
        QCOMPARE(readAll(control.filePath("conffiles")), QByteArray("/etc/authshield/authshield.conf\n"));
        for (const char* script : {"postinst", "prerm", "postrm"}) {
            const QString path = control.filePath(QLatin1String(script));
            QCOMPARE(statOf(path).mode, 0755u);
            QCOMPARE(readAll(path), readAll(sourcePath("installer/debian/server/") + QLatin1String(script)));
            QCOMPARE(run("sh", {"-n", path}).exitCode, 0);
        }

        QTemporaryDir files;
        QCOMPARE(run("dpkg-deb", {"-x", m_serverDeb, files.path()}).exitCode, 0);
        QCOMPARE(readAll(files.filePath("etc/authshield/authshield.conf")),
                 readAll(sourcePath("resources/authshield.conf.example")));
        const Run version = run(files.filePath("usr/bin/authshield-server"), {"--version"});
        QVERIFY2(version.out.startsWith("authshield-server "), qPrintable(version.out));
    }

    void lintianFindsNoErrorsOrWarnings()
    {
        QStringList packages = {m_serverDeb};
        if (!m_consoleDeb.isEmpty())
            packages << m_consoleDeb;
        // The overrides shipped in the packages explain the two deliberate exceptions (docs/operations.md).
        const Run lintian = run("lintian", QStringList{"--fail-on", "error,warning"} + packages, 300000);
        QVERIFY2(lintian.exitCode == 0, qPrintable(lintian.out));
        QVERIFY2(!QRegularExpression("^[EW]: ", QRegularExpression::MultilineOption).match(lintian.out).hasMatch(),
                 qPrintable(lintian.out));
    }

    void installUpgradeRemovePurge()
    {
        QTemporaryDir scratch;
        const QString root = scratch.path();
        QVERIFY(makeScratchRoot(root));

        const Run install = dpkg(root, {"-i", m_serverDeb});
        QVERIFY2(install.exitCode == 0, qPrintable(install.out));
        QVERIFY2(install.out.contains("run 'authshield-server setup'"), qPrintable(install.out));
        const int uid = idOf(root + "/etc/passwd", "authshield");
        const int gid = idOf(root + "/etc/group", "authshield");
        QVERIFY2(uid > 0 && uid < 1000, qPrintable(QString::fromUtf8(readAll(root + "/etc/passwd"))));
        QVERIFY(gid > 0);
        QVERIFY(readAll(root + "/etc/passwd").contains(":/var/lib/authshield:/usr/sbin/nologin"));

        const Stat data = statOf(root + "/var/lib/authshield");
        QVERIFY(data.exists);
        QCOMPARE(data.mode, 0750u);
        QCOMPARE(int(data.uid), uid);
        const Stat config = statOf(root + "/etc/authshield/authshield.conf");
        QCOMPARE(config.mode, 0640u);
        QCOMPARE(config.uid, 0u);
        QCOMPARE(int(config.gid), gid);
        QCOMPARE(statOf(root + "/etc/authshield").mode, 0750u);
        QVERIFY(statOf(root + "/usr/bin/authshield-server").exists);

        // An operator's data and the wizard's secrets.
        QVERIFY(writeFile(root + "/var/lib/authshield/authshield.db", "data"));
        QVERIFY(QDir().mkpath(root + "/etc/authshield/secrets"));
        QVERIFY(writeFile(root + "/etc/authshield/secrets/encryption.key", "key"));

        // Reinstalling (an upgrade to the same version) keeps the user, the data and the permissions.
        const Run again = dpkg(root, {"-i", m_serverDeb});
        QVERIFY2(again.exitCode == 0, qPrintable(again.out));
        QCOMPARE(readAll(root + "/etc/passwd").count("\nauthshield:"), 1);
        QCOMPARE(idOf(root + "/etc/passwd", "authshield"), uid);
        QCOMPARE(readAll(root + "/var/lib/authshield/authshield.db"), QByteArray("data"));

        // remove keeps everything an operator made; purge deletes local data and secrets, keeps the user.
        const Run remove = dpkg(root, {"-r", "authshield-server"});
        QVERIFY2(remove.exitCode == 0, qPrintable(remove.out));
        QVERIFY(!statOf(root + "/usr/bin/authshield-server").exists);
        QCOMPARE(readAll(root + "/var/lib/authshield/authshield.db"), QByteArray("data"));
        QVERIFY(statOf(root + "/etc/authshield/secrets/encryption.key").exists);
        QVERIFY(statOf(root + "/etc/authshield/authshield.conf").exists);

        const Run purge = dpkg(root, {"-P", "authshield-server"});
        QVERIFY2(purge.exitCode == 0, qPrintable(purge.out));
        QVERIFY(!statOf(root + "/var/lib/authshield").exists);
        QVERIFY(!statOf(root + "/etc/authshield").exists);
        QCOMPARE(idOf(root + "/etc/passwd", "authshield"), uid);
    }

    void purgeDoesNotFollowSymlinks()
    {
        QTemporaryDir scratch;
        const QString root = scratch.path();
        QVERIFY(makeScratchRoot(root));
        QVERIFY(dpkg(root, {"-i", m_serverDeb}).exitCode == 0);
        QVERIFY(dpkg(root, {"-r", "authshield-server"}).exitCode == 0);
        // Someone replaced the data dir by a link to elsewhere: purge must leave the target alone.
        QTemporaryDir elsewhere;
        QVERIFY(writeFile(elsewhere.filePath("precious"), "keep"));
        QVERIFY(QDir(root + "/var/lib/authshield").removeRecursively());
        QVERIFY(QFile::link(elsewhere.path(), root + "/var/lib/authshield"));
        QVERIFY(dpkg(root, {"-P", "authshield-server"}).exitCode == 0);
        QCOMPARE(readAll(elsewhere.filePath("precious")), QByteArray("keep"));
    }

    void systemdUnit()
    {
        const QString unit = sourcePath("installer/debian/authshield-server.service");
        const QByteArray text = readAll(unit);
        for (const char* directive :
             {"Type=notify", "User=authshield", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
              "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
              "SystemCallFilter=@system-service", "ReadWritePaths=/var/lib/authshield", "Restart=on-failure"})
            QVERIFY2(text.contains(directive), directive);

        // verify needs the binary the unit starts: give it a root with the package installed.
        QTemporaryDir scratch;
        QVERIFY(makeScratchRoot(scratch.path()));
        QVERIFY(dpkg(scratch.path(), {"-i", m_serverDeb}).exitCode == 0);
        // … and the targets the unit is ordered against, from this machine's systemd.
        const Run copied
            = run("cp", {"-a", "-n", "/usr/lib/systemd/system/.", scratch.path() + "/lib/systemd/system/"});
        QVERIFY2(copied.exitCode == 0, qPrintable(copied.out));
        QCOMPARE(readAll(scratch.path() + "/lib/systemd/system/authshield-server.service"),
                 readAll(sourcePath("installer/debian/authshield-server.service")));
        const Run verify = run("systemd-analyze", {"verify", "--man=no", "--root=" + scratch.path(),
                                                   scratch.path() + "/lib/systemd/system/authshield-server.service"});
        QVERIFY2(verify.exitCode == 0, qPrintable(verify.out));
        QVERIFY2(!verify.out.contains("authshield-server.service"), qPrintable(verify.out));

        const Run security = run("systemd-analyze", {"security", "--offline=yes", "--no-pager", unit});
        const QRegularExpression score("Overall exposure level for authshield-server.service: ([0-9.]+)");
        const QRegularExpressionMatch match = score.match(security.out);
        QVERIFY2(match.hasMatch(), qPrintable(security.out));
        // docs/operations.md reports this score; 2.0 or less is what systemd calls OK.
        QVERIFY2(match.captured(1).toDouble() <= 2.0, qPrintable(match.captured(0)));
    }

    void consolePackage()
    {
        if (m_consoleDeb.isEmpty())
            QSKIP("this build has no console (AUTHSHIELD_BUILD_CONSOLE=OFF)");
        const Run contents = run("dpkg-deb", {"-c", m_consoleDeb});
        for (const char* path : {"./usr/bin/authshield-console", "./usr/share/applications/authshield-console.desktop",
                                 "./usr/share/icons/hicolor/scalable/apps/authshield-console.svg",
                                 "./usr/share/doc/authshield-console/copyright"})
            QVERIFY2(contents.out.contains(QLatin1String(path)), path);
        const Run fields = run("dpkg-deb", {"-f", m_consoleDeb, "Depends"});
        QVERIFY2(fields.out.contains("libqt6widgets6"), qPrintable(fields.out));
        // desktop-file-utils is in scripts/install-deps.sh: a missing validator is a broken setup, not a pass.
        const QString validator = QStandardPaths::findExecutable("desktop-file-validate");
        QVERIFY2(!validator.isEmpty(), "desktop-file-validate not found: run scripts/install-deps.sh");
        const Run valid = run(validator, {sourcePath("installer/debian/console/authshield-console.desktop")});
        QVERIFY2(valid.exitCode == 0 && valid.out.trimmed().isEmpty(), qPrintable(valid.out));
    }

    void containerFiles()
    {
        // python3-yaml parses the compose file; the checks are the keys a deployment depends on.
        const char* script =
            "import sys, yaml\n"
            "d = yaml.safe_load(open(sys.argv[1]))\n"
            "s = d[\"services\"]\n"
            "assert s[\"postgres\"][\"image\"].startswith(\"postgres:15\"), \"postgres 15\"\n"
            "assert s[\"redis\"][\"image\"].startswith(\"redis:7\"), \"redis 7\"\n"
            "for name in (\"postgres\", \"redis\"):\n"
            "    assert s[name][\"healthcheck\"][\"test\"], name + \" healthcheck\"\n"
            "dep = s[\"authshield\"][\"depends_on\"]\n"
            "assert dep[\"postgres\"][\"condition\"] == \"service_healthy\", \"waits for postgres\"\n"
            "assert dep[\"redis\"][\"condition\"] == \"service_healthy\", \"waits for redis\"\n"
            "a = s[\"authshield\"]\n"
            "assert a[\"read_only\"] is True, \"read-only root\"\n"
            "assert a[\"environment\"][\"AUTHSHIELD_DATABASE_URL\"].startswith(\"postgresql://\"), \"database url\"\n"
            "assert a[\"environment\"][\"AUTHSHIELD_REDIS_URL\"].startswith(\"redis://\"), \"redis url\"\n"
            "assert \"appendonly\" in \" \".join(s[\"redis\"][\"command\"]), \"redis persistence\"\n"
            "for secret in a[\"secrets\"]:\n"
            "    assert secret in d[\"secrets\"], secret\n"
            "print(\"ok\")\n";
        const Run yaml = run("/usr/bin/python3", {"-c", QString::fromUtf8(script), sourcePath("installer/container/compose.yaml")});
        QVERIFY2(yaml.exitCode == 0 && yaml.out.trimmed() == "ok", qPrintable(yaml.out));

        const QByteArray dockerfile = readAll(sourcePath("installer/container/Dockerfile"));
        QVERIFY(dockerfile.contains("FROM debian:bookworm AS build"));
        QVERIFY(dockerfile.contains("FROM debian:bookworm-slim AS runtime"));
        QVERIFY(QRegularExpression("\\nUSER [0-9]+:[0-9]+\\n").match(QString::fromUtf8(dockerfile)).hasMatch());
        QVERIFY(dockerfile.contains("HEALTHCHECK"));
        QVERIFY(dockerfile.contains("http://127.0.0.1:8080/health"));
        QVERIFY(dockerfile.contains("libqt6sql6-psql"));
    }

private:
    static QString sourcePath(const QString& relative) { return QStringLiteral(AUTHSHIELD_SOURCE_DIR "/") + relative; }

    // Just enough of a Debian system for dpkg --root and the maintainer scripts (which honour DPKG_ROOT).
    static bool makeScratchRoot(const QString& root)
    {
        for (const char* dir : {"etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
                                "usr/sbin", "usr/bin", "lib/systemd/system", "var/log"})
            if (!QDir().mkpath(root + "/" + QLatin1String(dir)))
                return false;
        return writeFile(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
            && writeFile(root + "/etc/group", "root:x:0:\n") && writeFile(root + "/etc/shadow", "root:*:19000:0:99999:7:::\n")
            && writeFile(root + "/etc/gshadow", "root:*::\n") && writeFile(root + "/var/lib/dpkg/status", "")
            && writeFile(root + "/var/lib/dpkg/available", "");
    }

    static Run dpkg(const QString& root, const QStringList& arguments)
    {
        return run("dpkg",
                   QStringList{"--root=" + root, "--force-script-chrootless", "--force-depends", "--log=/dev/null"}
                       + arguments,
                   120000);
    }

    QTemporaryDir m_out;
    QString m_serverDeb;
    QString m_consoleDeb;
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
