#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QImage>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

// scripts/console-screenshots.sh end to end: a seeded server, the console offscreen through every screen, one
// PNG per screen — each present, of window size and not blank (many colours, no single colour dominating).
class TestConsoleScreenshots : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyScreenIsWrittenAndNotBlank()
    {
        const QString buildDir = QFileInfo(QStringLiteral(AUTHSHIELD_SERVER_BINARY)).dir().absoluteFilePath("..");
        QVERIFY2(QFileInfo(buildDir + "/console/authshield-console").isExecutable(),
                 "build the authshield-console target first");
        QTemporaryDir out;
        QVERIFY(out.isValid());
        QProcess script;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("AUTHSHIELD_BUILD_DIR", QDir::cleanPath(buildDir));
        env.insert("QT_QPA_PLATFORM", "offscreen");
        script.setProcessEnvironment(env);
        script.setProcessChannelMode(QProcess::MergedChannels);
        script.start(QStringLiteral(AUTHSHIELD_SOURCE_DIR) + "/scripts/console-screenshots.sh", {out.path()});
        QVERIFY(script.waitForStarted(10000));
        const bool finished = script.waitForFinished(150000);
        const QByteArray log = script.readAll();
        QVERIFY2(finished, log.constData());
        QVERIFY2(script.exitStatus() == QProcess::NormalExit && script.exitCode() == 0, log.constData());

        const QStringList expected{"00-sign-in", "01-server", "02-dashboard", "03-users", "04-roles", "05-sessions",
                                   "06-audit-log", "07-settings", "08-keys", "09-local-server"};
        for (const QString& name : expected) {
            const QString path = out.filePath(name + ".png");
            QImage image(path);
            QVERIFY2(!image.isNull(), qPrintable(path + " is missing or not a PNG\n" + QString::fromUtf8(log)));
            QVERIFY2(image.width() >= 300 && image.height() >= 150, qPrintable(name));
            // Sample a grid: a blank or single-colour capture has one colour everywhere.
            QHash<QRgb, int> colours;
            int samples = 0;
            for (int y = 0; y < image.height(); y += 4)
                for (int x = 0; x < image.width(); x += 4, ++samples)
                    ++colours[image.pixel(x, y)];
            int commonest = 0;
            for (const int count : std::as_const(colours))
                commonest = std::max(commonest, count);
            QVERIFY2(colours.size() >= 8, qPrintable(QStringLiteral("%1: %2 colours").arg(name).arg(colours.size())));
            QVERIFY2(commonest < samples * 95 / 100, qPrintable(name + ": one colour covers 95% of the screen"));
        }
        QCOMPARE(QDir(out.path()).entryList({"*.png"}, QDir::Files).size(), expected.size());
    }
};

QTEST_GUILESS_MAIN(TestConsoleScreenshots)
#include "tst_console_screenshots.moc"
