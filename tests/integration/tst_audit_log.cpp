#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"
#include "tests/support/BackendFixture.h"
#include "tests/support/FakeClock.h"
#include "tests/support/PostgresInstance.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace authshield;
using namespace authshield::server;
using namespace authshield::test;

namespace {
AuditEvent makeEvent(const QString& type, const QJsonObject& details = {})
{
    AuditEvent e;
    e.type = type;
    e.actorId = QStringLiteral("actor-1");
    e.subjectId = QStringLiteral("subject-1");
    e.ip = QStringLiteral("127.0.0.1");
    e.userAgent = QStringLiteral("tests");
    e.requestId = QStringLiteral("req-1");
    e.details = details;
    return e;
}
} // namespace

// The audit log's guarantees on each database: every append links to the previous one, concurrent appends
// never fork or skip the chain, an event commits or rolls back with the change it records, and any edit of a
// stored row is found by verify.
class TestAuditLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(CryptoRuntime::initialise().ok());
        QVERIFY(m_backend.start());
    }

    void init()
    {
        DatabaseConfig config;
        if (m_backend.isPostgres())
            config.url = m_backend.postgres()->createDatabase(QStringLiteral("audit_%1").arg(++m_counter));
        m_database = std::make_unique<Database>(config, m_dir.path() + QStringLiteral("/db%1").arg(++m_counter));
        QVERIFY(m_database->open().ok());
        QVERIFY(MigrationRunner(*m_database).apply().ok());
        m_log = std::make_unique<AuditLog>(*m_database, m_clock);
    }

    void cleanup()
    {
        m_log.reset();
        m_database.reset();
    }

    void appendsFormAVerifiableChain()
    {
        for (int i = 0; i < 5; ++i)
            QCOMPARE(*m_log->record(makeEvent(QStringLiteral("auth.login.succeeded"))), qint64(i + 1));
        const Result<AuditVerification> verified = m_log->verify();
        QVERIFY(verified.ok());
        QVERIFY(verified->ok);
        QCOMPARE(verified->checked, qint64(5));
        QVERIFY(!verified->firstBrokenSeq.has_value());

        SqlQuery rows = m_database->prepare(QStringLiteral("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq"));
        QVERIFY(rows.exec().ok());
        QString previous = AuditLog::genesisHash();
        while (rows.next()) {
            QCOMPARE(rows.string(1), previous);
            previous = rows.string(2);
            QCOMPARE(previous.size(), 64);
        }
    }

    void editedRowIsFoundAtItsSeq_data()
    {
        QTest::addColumn<QString>("tamper");
        QTest::addRow("details changed") << "UPDATE audit_events SET details = '{\"reason\":\"nothing\"}' WHERE seq = 3";
        QTest::addRow("type changed") << "UPDATE audit_events SET type = 'auth.login.succeeded' WHERE seq = 3";
        QTest::addRow("row deleted") << "DELETE FROM audit_events WHERE seq = 3";
        QTest::addRow("hash recomputed without the chain") << "UPDATE audit_events SET hash = prev_hash WHERE seq = 3";
    }
    void editedRowIsFoundAtItsSeq()
    {
        QFETCH(QString, tamper);
        for (int i = 0; i < 5; ++i)
            QVERIFY(m_log->record(makeEvent(QStringLiteral("auth.login.failed"), {{QStringLiteral("reason"), i}})).ok());
        QVERIFY(tamperWith(tamper));
        const Result<AuditVerification> verified = m_log->verify();
        QVERIFY(verified.ok());
        QVERIFY(!verified->ok);
        // A deleted row shows up at the next one, whose link no longer matches.
        QCOMPARE(verified->firstBrokenSeq.value_or(-1), tamper.startsWith(QLatin1String("DELETE")) ? 4 : 3);
        QCOMPARE(verified->checked, qint64(2));
    }

    void appendOnlyTriggersRefuseChanges_data()
    {
        QTest::addColumn<QString>("statement");
        QTest::addRow("update") << "UPDATE audit_events SET outcome = 'failure' WHERE seq = 1";
        QTest::addRow("delete") << "DELETE FROM audit_events WHERE seq = 2";
        QTest::addRow("delete all") << "DELETE FROM audit_events";
    }
    void appendOnlyTriggersRefuseChanges()
    {
        QFETCH(QString, statement);
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_log->record(makeEvent(QStringLiteral("auth.login.succeeded"))).ok());
        const Result<void> refused = m_database->exec(statement);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QLatin1String("append-only")), qPrintable(refused.error().message));
        const Result<AuditVerification> verified = m_log->verify();
        QVERIFY(verified->ok);
        QCOMPARE(verified->checked, qint64(3));
        if (m_backend.isPostgres())
            QVERIFY(!m_database->exec(QStringLiteral("TRUNCATE audit_events")).ok());
    }

    void deletedHeadIsFound()
    {
        for (int i = 0; i < 4; ++i)
            QVERIFY(m_log->record(makeEvent(QStringLiteral("auth.login.failed"))).ok());
        QVERIFY(tamperWith(QStringLiteral("DELETE FROM audit_events WHERE seq = 1")));
        const Result<AuditVerification> verified = m_log->verify();
        QVERIFY(!verified->ok);
        QCOMPARE(verified->firstBrokenSeq.value_or(-1), qint64(2)); // it no longer starts at the genesis hash
    }

    void retentionPruneKeepsTheChainVerifiable()
    {
        FakeClock clock;
        AuditLog log(*m_database, clock);
        for (int i = 0; i < 5; ++i)
            QVERIFY(log.record(makeEvent(QStringLiteral("auth.login.failed"))).ok());
        clock.advance(std::chrono::hours(24 * 10));
        for (int i = 0; i < 3; ++i)
            QVERIFY(log.record(makeEvent(QStringLiteral("auth.login.succeeded"))).ok());

        const Result<AuditPruneReport> pruned = log.prune(clock.now().addDays(-5));
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QCOMPARE(pruned->deleted, qint64(5));
        QCOMPARE(pruned->fromSeq, qint64(1));
        QCOMPARE(pruned->toSeq, qint64(5));
        QCOMPARE(pruned->prunedEventSeq, qint64(9));
        Result<AuditVerification> verified = log.verify();
        QVERIFY(verified->ok);
        QCOMPARE(verified->checked, qint64(4)); // three kept events and the audit.pruned record

        SqlQuery recorded = m_database->prepare(QStringLiteral("SELECT type, details FROM audit_events WHERE seq = 9"));
        QVERIFY(recorded.exec().ok() && recorded.next());
        QCOMPARE(recorded.string(0), QStringLiteral("audit.pruned"));
        const QJsonObject details = QJsonDocument::fromJson(recorded.string(1).toUtf8()).object();
        QCOMPARE(details.value(QStringLiteral("to_seq")).toInt(), 5);

        // Nothing left to prune: a second run changes nothing. The newest event is never pruned.
        QCOMPARE(log.prune(clock.now().addDays(-5))->deleted, qint64(0));
        clock.advance(std::chrono::hours(24 * 30));
        const Result<AuditPruneReport> all = log.prune(clock.now());
        QCOMPARE(all->deleted, qint64(3));
        verified = log.verify();
        QVERIFY(verified->ok);
        QCOMPARE(verified->checked, qint64(2));

        // Removing the first remaining row behind the prune's back is found.
        QVERIFY(tamperWith(QStringLiteral("DELETE FROM audit_events WHERE seq = 9")));
        verified = log.verify();
        QVERIFY(!verified->ok);
        QCOMPARE(verified->firstBrokenSeq.value_or(-1), qint64(10));
    }

    void eventJoinsTheCallersTransaction()
    {
        {
            Result<Transaction> transaction = Transaction::begin(*m_database);
            QVERIFY(transaction.ok());
            QVERIFY(m_log->record(makeEvent(QStringLiteral("admin.user.updated"))).ok());
            // destroyed without commit: the change and its audit row vanish together
        }
        QCOMPARE(m_log->verify()->checked, qint64(0));
        {
            Result<Transaction> transaction = Transaction::begin(*m_database);
            QVERIFY(m_log->record(makeEvent(QStringLiteral("admin.user.updated"))).ok());
            QVERIFY(transaction->commit().ok());
        }
        QCOMPARE(m_log->verify()->checked, qint64(1));
    }

    void concurrentAppendsKeepOneChain()
    {
        constexpr int kThreads = 4;
        constexpr int kEach = 25;
        std::atomic<int> failures{0};
        QList<QThread*> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.append(QThread::create([&] {
                for (int i = 0; i < kEach; ++i) {
                    if (!m_log->record(makeEvent(QStringLiteral("auth.refresh.succeeded"))).ok())
                        ++failures;
                }
            }));
            threads.last()->start();
        }
        for (QThread* thread : threads) {
            QVERIFY(thread->wait(60000));
            delete thread;
        }
        QCOMPARE(failures.load(), 0);
        const Result<AuditVerification> verified = m_log->verify();
        QVERIFY(verified->ok);
        QCOMPARE(verified->checked, qint64(kThreads * kEach));
    }

    void secretsNeverReachTheDetails()
    {
        QVERIFY(m_log->record(makeEvent(QStringLiteral("auth.login.failed"),
                                    {{QStringLiteral("password"), QStringLiteral("hunter2")},
                                     {QStringLiteral("refresh_token"), QStringLiteral("abc")},
                                     {QStringLiteral("nested"), QJsonObject{{QStringLiteral("client_secret"), QStringLiteral("s")}}},
                                     {QStringLiteral("reason"), QStringLiteral("bad_password")}}))
                    .ok());
        SqlQuery row = m_database->prepare(QStringLiteral("SELECT details FROM audit_events"));
        QVERIFY(row.exec().ok() && row.next());
        const QString details = row.string(0);
        QVERIFY(!details.contains(QLatin1String("hunter2")));
        QVERIFY(!details.contains(QLatin1String("\"abc\"")));
        QVERIFY(!details.contains(QLatin1String("\"s\"")));
        QVERIFY(details.contains(QLatin1String("bad_password")));
        QVERIFY(m_log->verify()->ok);
    }

private:
    // What an attacker with database admin rights would do: switch the append-only triggers off first.
    bool tamperWith(const QString& statement)
    {
        if (m_backend.isPostgres()) {
            return m_database->exec(QStringLiteral("SET session_replication_role = replica")).ok()
                && m_database->exec(statement).ok()
                && m_database->exec(QStringLiteral("SET session_replication_role = origin")).ok();
        }
        return m_database->exec(QStringLiteral("DROP TRIGGER audit_events_no_update")).ok()
            && m_database->exec(QStringLiteral("DROP TRIGGER audit_events_no_delete")).ok()
            && m_database->exec(statement).ok();
    }

    BackendFixture m_backend;
    QTemporaryDir m_dir;
    SystemClock m_clock;
    int m_counter = 0;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<AuditLog> m_log;
};

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_audit_log.moc"
