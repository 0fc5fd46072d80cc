#include "tests/support/ServerProcess.h"
#include "tests/support/TestHttpClient.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTest>

using namespace authshield::test;

namespace {
QString sourceFile(const QString& relative)
{
    return QStringLiteral(AUTHSHIELD_SOURCE_DIR "/") + relative;
}

// Metric names an expression refers to, with histogram series mapped back to their family.
QSet<QString> referencedMetrics(const QByteArray& text)
{
    QSet<QString> names;
    static const QRegularExpression name(QStringLiteral("\\b((?:authshield|process)_[a-z0-9_]+)"));
    auto it = name.globalMatch(QString::fromUtf8(text));
    while (it.hasNext()) {
        QString metric = it.next().captured(1);
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            if (metric.endsWith(QLatin1String(suffix)) && metric.contains(QLatin1String("_seconds")))
                metric.chop(static_cast<int>(qstrlen(suffix)));
        }
        names.insert(metric);
    }
    return names;
}
} // namespace

// The alert rules and dashboard shipped in resources/observability stay valid and only use metrics the server
// actually exports.
class TestObservability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rulesPassPromtool()
    {
        const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
        QVERIFY2(!promtool.isEmpty(), "promtool missing: scripts/install-deps.sh installs the prometheus package");
        QProcess process;
        process.start(promtool, {QStringLiteral("check"), QStringLiteral("rules"),
                                 sourceFile(QStringLiteral("resources/observability/prometheus-rules.yml"))});
        QVERIFY(process.waitForFinished(60000));
        const QByteArray output = process.readAllStandardOutput() + process.readAllStandardError();
        QCOMPARE(process.exitCode(), 0);
        QVERIFY2(output.contains("SUCCESS"), output.constData());
    }

    void everyRuleHasARunbook()
    {
        QFile rules(sourceFile(QStringLiteral("resources/observability/prometheus-rules.yml")));
        QVERIFY(rules.open(QIODevice::ReadOnly));
        const QByteArray text = rules.readAll();
        QVERIFY(text.count("- alert:") >= 6);
        QCOMPARE(text.count("runbook:"), text.count("- alert:"));
    }

    void referencedMetricsAreExported()
    {
        ServerProcess server;
        QVERIFY2(server.start(), server.log().constData());
        TestHttpClient client(server.port());
        const TestResponse metrics = client.get("/metrics");
        QCOMPARE(metrics.status, 200);
        QSet<QString> exported;
        static const QRegularExpression type(QStringLiteral("^# TYPE (\\S+) "), QRegularExpression::MultilineOption);
        auto it = type.globalMatch(QString::fromUtf8(metrics.body));
        while (it.hasNext())
            exported.insert(it.next().captured(1));
        QVERIFY(exported.size() >= 10);

        for (const QString& file : {QStringLiteral("resources/observability/prometheus-rules.yml"),
                                    QStringLiteral("resources/observability/grafana-dashboard.json")}) {
            QFile source(sourceFile(file));
            QVERIFY(source.open(QIODevice::ReadOnly));
            const QSet<QString> referenced = referencedMetrics(source.readAll());
            QVERIFY2(referenced.size() >= 5, qPrintable(file));
            for (const QString& name : referenced)
                QVERIFY2(exported.contains(name), qPrintable(file + QStringLiteral(": ") + name + QStringLiteral(" is not exported")));
        }
        QCOMPARE(server.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestObservability)
#include "tst_observability.moc"
