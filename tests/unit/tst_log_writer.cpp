#include "server/core/Log.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <cstdio>
#include <unistd.h>

using namespace authshield::server;

namespace authshield::test {

// The stderr writer thread and urgent lines (warnings, errors) written at once from request threads: many threads
// mixing both must neither deadlock nor lose or reorder a thread's lines.
class TestLogWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mixedUrgentAndBufferedLinesFromManyThreadsAllArrive()
    {
        QTemporaryFile capture;
        QVERIFY(capture.open());
        std::fflush(stderr);
        const int savedStderr = ::dup(STDERR_FILENO);
        QVERIFY(savedStderr >= 0);
        QVERIFY(::dup2(capture.handle(), STDERR_FILENO) >= 0);

        constexpr int kThreads = 6;
        constexpr int kLines = 3000;
        QList<QThread*> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.append(QThread::create([t] {
                for (int i = 0; i < kLines; ++i) {
                    const QJsonObject fields{{QStringLiteral("thread"), t}, {QStringLiteral("n"), i}};
                    if (i % 40 == 0)
                        Log::warning(QStringLiteral("writer-test"), QStringLiteral("urgent"), fields);
                    else
                        Log::info(QStringLiteral("writer-test"), QStringLiteral("buffered"), fields);
                }
            }));
            threads.last()->start();
        }
        bool allFinished = true;
        for (QThread* thread : std::as_const(threads)) {
            allFinished = thread->wait(60000) && allFinished; // a deadlock shows as a thread that never ends
            delete thread;
        }
        // An urgent line drains everything queued before it.
        Log::error(QStringLiteral("writer-test"), QStringLiteral("final"));
        std::fflush(stderr);
        ::dup2(savedStderr, STDERR_FILENO);
        ::close(savedStderr);
        QVERIFY2(allFinished, "logging threads did not finish: the writer deadlocked");

        QFile reader(capture.fileName());
        QVERIFY(reader.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = reader.readAll().split('\n');
        QList<int> next(kThreads, 0);
        int seen = 0;
        for (const QByteArray& line : lines) {
            if (!line.contains("\"writer-test\"") || line.contains("\"final\""))
                continue;
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            const int thread = object.value(QStringLiteral("thread")).toInt(-1);
            QVERIFY2(thread >= 0 && thread < kThreads, line.constData());
            QCOMPARE(object.value(QStringLiteral("n")).toInt(), next[thread]); // in order, none missing
            ++next[thread];
            ++seen;
        }
        QCOMPARE(seen, kThreads * kLines);
    }
};

} // namespace authshield::test

QTEST_GUILESS_MAIN(authshield::test::TestLogWriter)
#include "tst_log_writer.moc"
