#include "server/accounts/AccountTokens.h"
#include "server/accounts/UserRepository.h"
#include "server/core/Clock.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/crypto/Random.h"
#include "server/mail/MailOutbox.h"
#include "server/mail/OutboxWorker.h"
#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"
#include "tests/support/PostgresInstance.h"
#include "tests/support/TestEnvironment.h"

#include <QTemporaryDir>
#include <QTest>

#include <QSet>

#include <memory>
#include <thread>

using namespace authshield::server;
using namespace std::chrono_literals;
using authshield::ErrorCode;
using authshield::Result;
using authshield::test::Backend;
using authshield::test::PostgresInstance;

namespace {

class FakeClock final : public Clock
{
public:
    QDateTime now() const override { return m_now; }
    void advance(std::chrono::milliseconds by) { m_now = m_now.addMSecs(by.count()); }

private:
    QDateTime m_now = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
};

// Records what it was asked to deliver; fails as told.
class RecordingTransport final : public MailTransport
{
public:
    Result<void> deliver(const OutgoingMail& mail) override
    {
        delivered.append(mail);
        if (failWith)
            return *failWith;
        return authshield::success();
    }
    QString name() const override { return QStringLiteral("recording"); }

    QList<OutgoingMail> delivered;
    std::optional<authshield::Error> failWith;
};

MailMessage mailTo(const QString& to)
{
    MailMessage message;
    message.to = to;
    message.subject = QStringLiteral("Hello");
    message.text = QStringLiteral("text");
    message.html = QStringLiteral("<p>html</p>");
    message.templateName = QStringLiteral("verify_email");
    return message;
}

} // namespace

// Account tokens and the mail outbox against the real schema, on SQLite and PostgreSQL, with a fake clock.
class TestAccountStorage : public QObject
{
    Q_OBJECT

private:
    bool isPostgres() const { return authshield::test::testBackend() == Backend::Postgres; }

    std::unique_ptr<Database> freshDatabase()
    {
        DatabaseConfig config;
        const QString name = QStringLiteral("acc%1").arg(++m_counter);
        config.url = isPostgres() ? m_pg->createDatabase(name) : QStringLiteral("sqlite://%1.db").arg(name);
        auto db = std::make_unique<Database>(config, m_dir.path());
        if (!db->open().ok() || !MigrationRunner(*db).apply().ok())
            return nullptr;
        return db;
    }

    QString createUser(const Database& db, const QString& email)
    {
        NewUser user;
        user.email = email;
        user.passwordHash = QStringLiteral("$argon2id$placeholder");
        const auto created = UserRepository(db, m_clock).create(user);
        if (!created)
            qWarning("create user: %s", qPrintable(created.error().message));
        return created ? created->id : QString();
    }

    QString status(const Database& db, const QString& id)
    {
        SqlQuery query = db.prepare(QStringLiteral("SELECT status FROM mail_outbox WHERE id = :id"));
        query.bind(QStringLiteral(":id"), id);
        return query.exec().ok() && query.next() ? query.string(0) : QString();
    }

    QTemporaryDir m_dir;
    std::unique_ptr<PostgresInstance> m_pg;
    FakeClock m_clock;
    SystemRandom m_random;
    int m_counter = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(CryptoRuntime::initialise().ok());
        if (isPostgres()) {
            m_pg = std::make_unique<PostgresInstance>();
            QVERIFY2(m_pg->start(), qPrintable(m_pg->lastError()));
        }
    }

    void tokenWorksOnceThenNeverAgain()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        const QString user = createUser(*db, QStringLiteral("once@example.com"));
        QVERIFY(!user.isEmpty());
        AccountTokens tokens(*db, m_clock, m_random);
        const auto raw = tokens.issue(user, AccountTokenPurpose::VerifyEmail, 24h);
        QVERIFY2(raw.ok(), raw.ok() ? "" : qPrintable(raw.error().message));
        QCOMPARE(raw->size(), 43);
        const auto first = tokens.consume(*raw, { AccountTokenPurpose::VerifyEmail });
        QVERIFY(first.ok() && first->has_value());
        QCOMPARE((*first)->userId, user);
        const auto second = tokens.consume(*raw, { AccountTokenPurpose::VerifyEmail });
        QVERIFY(second.ok());
        QVERIFY(!second->has_value());

        // Only the SHA-256 is stored.
        SqlQuery stored = db->prepare(QStringLiteral("SELECT token_hash FROM account_tokens"));
        QVERIFY(stored.exec().ok() && stored.next());
        QCOMPARE(stored.blob(0).size(), 32);
        QVERIFY(stored.blob(0) != *raw);
    }

    void tokenExpires_data()
    {
        QTest::addColumn<int>("purpose");
        QTest::addColumn<qint64>("ttlSeconds");
        QTest::addRow("verification after 24 h") << int(AccountTokenPurpose::VerifyEmail) << qint64(24 * 3600);
        QTest::addRow("password reset after 30 min") << int(AccountTokenPurpose::ResetPassword) << qint64(30 * 60);
        QTest::addRow("email change after 24 h") << int(AccountTokenPurpose::ChangeEmail) << qint64(24 * 3600);
    }

    void tokenExpires()
    {
        QFETCH(int, purpose);
        QFETCH(qint64, ttlSeconds);
        auto db = freshDatabase();
        QVERIFY(db);
        const QString user = createUser(*db, QStringLiteral("expiry@example.com"));
        AccountTokens tokens(*db, m_clock, m_random);
        const auto kind = static_cast<AccountTokenPurpose>(purpose);
        const auto ttl = std::chrono::seconds(ttlSeconds);
        const auto early = tokens.issue(user, kind, ttl, QStringLiteral("new@example.com"));
        QVERIFY(early.ok());
        m_clock.advance(ttl - 1s);
        QVERIFY(tokens.peek(*early, { kind })->has_value()); // still valid one second before
        m_clock.advance(1s);
        QVERIFY(!tokens.consume(*early, { kind })->has_value()); // expired at the deadline
    }

    void newTokenReplacesOlderOfSamePurposeOnly()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        const QString user = createUser(*db, QStringLiteral("replace@example.com"));
        AccountTokens tokens(*db, m_clock, m_random);
        const auto reset = tokens.issue(user, AccountTokenPurpose::ResetPassword, 30min);
        const auto older = tokens.issue(user, AccountTokenPurpose::VerifyEmail, 24h);
        const auto newer = tokens.issue(user, AccountTokenPurpose::VerifyEmail, 24h);
        QVERIFY(reset.ok() && older.ok() && newer.ok());
        QVERIFY(!tokens.consume(*older, { AccountTokenPurpose::VerifyEmail })->has_value());
        QVERIFY(tokens.consume(*newer, { AccountTokenPurpose::VerifyEmail })->has_value());
        QVERIFY(tokens.consume(*reset, { AccountTokenPurpose::ResetPassword })->has_value());
    }

    void tokenOfAnotherPurposeIsRefused()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        const QString user = createUser(*db, QStringLiteral("purpose@example.com"));
        AccountTokens tokens(*db, m_clock, m_random);
        const auto verify = tokens.issue(user, AccountTokenPurpose::VerifyEmail, 24h);
        QVERIFY(verify.ok());
        QVERIFY(!tokens.consume(*verify, { AccountTokenPurpose::ResetPassword })->has_value());
        QVERIFY(!tokens.consume(QByteArray("short"), { AccountTokenPurpose::VerifyEmail })->has_value());
        const auto change = tokens.issue(user, AccountTokenPurpose::ChangeEmail, 24h, QStringLiteral("n@example.com"));
        const auto consumed
            = tokens.consume(*change, { AccountTokenPurpose::VerifyEmail, AccountTokenPurpose::ChangeEmail });
        QVERIFY(consumed.ok() && consumed->has_value());
        QCOMPARE((*consumed)->purpose, AccountTokenPurpose::ChangeEmail);
        QCOMPARE((*consumed)->newEmail, QStringLiteral("n@example.com"));
    }

    void enqueueJoinsTheCallersTransaction()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        {
            auto tx = Transaction::begin(*db);
            QVERIFY(tx.ok());
            QVERIFY(outbox.enqueue(mailTo(QStringLiteral("rolled@example.com"))).ok());
            tx->rollback(); // the change failed: its mail must not go out
        }
        QCOMPARE(outbox.depth()->pending, 0);
        {
            auto tx = Transaction::begin(*db);
            QVERIFY(tx.ok());
            QVERIFY(outbox.enqueue(mailTo(QStringLiteral("kept@example.com"))).ok());
            QVERIFY(tx->commit().ok());
        }
        QCOMPARE(outbox.depth()->pending, 1);
    }

    void workerDeliversMarksSentAndNeverTwice()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        RecordingTransport transport;
        MailConfig config;
        OutboxWorker worker(outbox, transport, m_clock, config);
        const auto id = outbox.enqueue(mailTo(QStringLiteral("a@example.com")));
        QVERIFY(id.ok());
        QCOMPARE(worker.pollOnce(), 1);
        QCOMPARE(transport.delivered.size(), 1);
        QCOMPARE(transport.delivered.first().id, *id);
        QCOMPARE(transport.delivered.first().message.to, QStringLiteral("a@example.com"));
        QCOMPARE(status(*db, *id), QStringLiteral("sent"));
        QCOMPARE(worker.pollOnce(), 0);
        QCOMPARE(transport.delivered.size(), 1);
    }

    void temporaryFailureBacksOffThenFailsForGood()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        RecordingTransport transport;
        transport.failWith = authshield::Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("disk full"));
        MailConfig config;
        config.retryBase = 30s;
        config.maxAttempts = 3;
        OutboxWorker worker(outbox, transport, m_clock, config);
        const auto id = outbox.enqueue(mailTo(QStringLiteral("b@example.com")));
        QVERIFY(id.ok());

        QCOMPARE(worker.pollOnce(), 1); // attempt 1 fails: retry in 30 s
        QCOMPARE(status(*db, *id), QStringLiteral("pending"));
        m_clock.advance(29s);
        QCOMPARE(worker.pollOnce(), 0);
        m_clock.advance(1s);
        QCOMPARE(worker.pollOnce(), 1); // attempt 2 fails: retry in 60 s
        m_clock.advance(59s);
        QCOMPARE(worker.pollOnce(), 0);
        m_clock.advance(1s);
        QCOMPARE(worker.pollOnce(), 1); // attempt 3 is the last
        QCOMPARE(status(*db, *id), QStringLiteral("failed"));
        m_clock.advance(24h);
        QCOMPARE(worker.pollOnce(), 0);
        QCOMPARE(transport.delivered.size(), 3);
        QCOMPARE(outbox.depth()->failed, 1);
    }

    void permanentFailureIsNotRetried()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        RecordingTransport transport;
        transport.failWith = authshield::Error::make(ErrorCode::ValidationFailed, QStringLiteral("550 no such user"));
        OutboxWorker worker(outbox, transport, m_clock, MailConfig {});
        const auto id = outbox.enqueue(mailTo(QStringLiteral("c@example.com")));
        QCOMPARE(worker.pollOnce(), 1);
        QCOMPARE(status(*db, *id), QStringLiteral("failed"));
    }

    void mailStuckInSendingIsReclaimedAfterItsLease()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        const auto id = outbox.enqueue(mailTo(QStringLiteral("d@example.com")));
        QVERIFY(id.ok());
        // A worker claims the mail and dies before delivering it.
        const auto claimed = outbox.claimDue(QStringLiteral("crashed-worker"), 10, OutboxWorker::kLease);
        QVERIFY(claimed.ok());
        QCOMPARE(claimed->size(), 1);
        QCOMPARE(status(*db, *id), QStringLiteral("sending"));

        RecordingTransport transport;
        OutboxWorker survivor(outbox, transport, m_clock, MailConfig {});
        QCOMPARE(survivor.pollOnce(), 0); // the lease still holds
        m_clock.advance(OutboxWorker::kLease + 1ms);
        QCOMPARE(survivor.pollOnce(), 1);
        QCOMPARE(transport.delivered.size(), 1);
        QCOMPARE(status(*db, *id), QStringLiteral("sent"));
        // The crashed worker's late report cannot undo the outcome.
        QCOMPARE(*outbox.markRetry(*id, QStringLiteral("crashed-worker"), 1s, QStringLiteral("late")), false);
        QCOMPARE(status(*db, *id), QStringLiteral("sent"));
    }

    void concurrentClaimersNeverShareAMail()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        MailOutbox outbox(*db, m_clock);
        for (int i = 0; i < 30; ++i)
            QVERIFY(outbox.enqueue(mailTo(QStringLiteral("e%1@example.com").arg(i))).ok());
        RecordingTransport first;
        RecordingTransport second;
        OutboxWorker one(outbox, first, m_clock, MailConfig {});
        OutboxWorker two(outbox, second, m_clock, MailConfig {});
        int handled = 0;
        std::thread other([&] { handled += two.pollOnce(); });
        const int mine = one.pollOnce();
        other.join();
        QCOMPARE(mine + handled, 30);
        QSet<QString> ids;
        for (const auto& mail : first.delivered + second.delivered)
            ids.insert(mail.id);
        QCOMPARE(ids.size(), 30);
        QCOMPARE(first.delivered.size() + second.delivered.size(), 30);
    }

    void cleanupTestCase() { m_pg.reset(); }
};

QTEST_GUILESS_MAIN(TestAccountStorage)
#include "tst_account_storage.moc"
