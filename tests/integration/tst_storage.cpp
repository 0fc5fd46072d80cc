#include "server/storage/Database.h"
#include "server/storage/MigrationRunner.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"
#include "tests/support/PostgresInstance.h"
#include "tests/support/TestEnvironment.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <algorithm>
#include <memory>

using namespace authshield;
using namespace authshield::server;
using authshield::test::Backend;
using authshield::test::PostgresInstance;

namespace {

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QStringList words(const char* text)
{
    return QString::fromLatin1(text).split(QLatin1Char(' '));
}

QStringList tables(const Database& db)
{
    QStringList names;
    auto query = db.prepare(db.dialect().listTablesQuery());
    if (!query.exec())
        return names;
    while (query.next())
        names << query.string(0);
    return names;
}

qint64 count(const Database& db, const QString& sql)
{
    auto query = db.prepare(sql);
    if (!query.exec() || !query.next())
        return -1;
    return query.int64(0);
}

} // namespace

class TestStorage : public QObject
{
    Q_OBJECT

private:
    bool isPostgres() const { return test::testBackend() == Backend::Postgres; }

    DatabaseConfig freshConfig()
    {
        DatabaseConfig config;
        config.connectTimeout = std::chrono::milliseconds(2000);
        config.busyTimeout = std::chrono::milliseconds(5000);
        const QString name = QStringLiteral("db%1").arg(++m_counter);
        config.url = isPostgres() ? m_pg->createDatabase(name) : QStringLiteral("sqlite://%1.db").arg(name);
        return config;
    }

    // A copy of the shipped migrations for this backend plus `extra` (file name → SQL), optionally with
    // 0001 altered, for runners that must see a different binary.
    QString migrationSet(const QMap<QString, QString>& extra, bool tamperInitial = false)
    {
        const QString folder = isPostgres() ? QStringLiteral("postgres") : QStringLiteral("sqlite");
        const QString root = m_dir.filePath(QStringLiteral("migrations%1").arg(++m_counter));
        const QString dir = root + QLatin1Char('/') + folder;
        if (!QDir().mkpath(dir))
            return {};
        QFile shipped(QStringLiteral(":/migrations/%1/0001_initial.sql").arg(folder));
        if (!shipped.open(QIODevice::ReadOnly))
            return {};
        QByteArray initial = shipped.readAll();
        if (tamperInitial)
            initial.replace("display_name TEXT NOT NULL DEFAULT ''", "display_name TEXT NOT NULL DEFAULT 'x'");
        QFile out(dir + QStringLiteral("/0001_initial.sql"));
        if (!out.open(QIODevice::WriteOnly) || out.write(initial) != initial.size())
            return {};
        out.close();
        // The later shipped migrations, unchanged.
        const QStringList later = QDir(QStringLiteral(":/migrations/%1").arg(folder)).entryList({QStringLiteral("*.sql")});
        for (const QString& name : later) {
            if (name == QLatin1String("0001_initial.sql"))
                continue;
            if (!QFile::copy(QStringLiteral(":/migrations/%1/%2").arg(folder, name), dir + QLatin1Char('/') + name))
                return {};
        }
        for (auto it = extra.cbegin(); it != extra.cend(); ++it) {
            QFile file(dir + QLatin1Char('/') + it.key());
            if (!file.open(QIODevice::WriteOnly))
                return {};
            file.write(it.value().toUtf8());
        }
        return root;
    }

    // A second migration whose SQL has semicolons inside strings and trigger/function bodies.
    // How many migrations this binary ships; the test migration comes right after them.
    int shippedCount() const
    {
        return static_cast<int>(
            QDir(QStringLiteral(":/migrations/sqlite")).entryList({QStringLiteral("*.sql")}).size());
    }
    // The highest shipped version: numbers are assigned per feature, so a branch may ship them with gaps.
    int latestVersion() const
    {
        int latest = 0;
        for (const QString& name : QDir(QStringLiteral(":/migrations/sqlite")).entryList({QStringLiteral("*.sql")}))
            latest = std::max(latest, name.left(4).toInt());
        return latest;
    }
    QString extraId() const { return QStringLiteral("%1_extra").arg(latestVersion() + 1, 4, 10, QLatin1Char('0')); }

    QMap<QString, QString> triggerMigration() const
    {
        const QString sql = isPostgres()
            ? QStringLiteral("CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT 'a;b');\n"
                             "CREATE FUNCTION extra_no_x() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                             "BEGIN\n  IF NEW.note = 'x' THEN RAISE EXCEPTION 'no x; ever'; END IF;\n  RETURN NEW;\n"
                             "END;\n$$;\n"
                             "CREATE TRIGGER extra_no_x BEFORE INSERT ON extra FOR EACH ROW EXECUTE FUNCTION "
                             "extra_no_x();\n")
            : QStringLiteral("CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT 'a;b');\n"
                             "CREATE TRIGGER extra_no_x BEFORE INSERT ON extra BEGIN\n"
                             "  SELECT CASE WHEN NEW.note = 'x' THEN RAISE(ABORT, 'no x; ever') END;\nEND;\n");
        return { { extraId() + QStringLiteral(".sql"), sql } };
    }

    std::unique_ptr<Database> migratedDatabase()
    {
        auto db = std::make_unique<Database>(freshConfig(), m_dir.path());
        if (auto opened = db->open(); !opened) {
            qWarning("open failed: %s", qPrintable(opened.error().message));
            return nullptr;
        }
        if (auto applied = MigrationRunner(*db).apply(); !applied) {
            qWarning("migrate failed: %s", qPrintable(applied.error().message));
            return nullptr;
        }
        return db;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<PostgresInstance> m_pg;
    int m_counter = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (isPostgres()) {
            m_pg = std::make_unique<PostgresInstance>();
            QVERIFY2(m_pg->start(), qPrintable(m_pg->lastError()));
        }
    }

    void cleanupTestCase() { m_pg.reset(); }

    void freshDatabaseMigratesToLatest()
    {
        Database db(freshConfig(), m_dir.path());
        auto opened = db.open();
        QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message));
        MigrationRunner runner(db);
        auto applied = runner.apply();
        QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error().message));
        QCOMPARE(applied->size(), shippedCount());
        QCOMPARE(applied->first().id(), QStringLiteral("0001_initial"));
        QCOMPARE(runner.currentVersion().value(), latestVersion());

        const QStringList expected = words("account_tokens audit_events mail_outbox permissions refresh_tokens "
                                           "role_permissions roles schema_migrations sessions settings signing_keys "
                                           "user_roles users mfa_totp mfa_recovery_codes")
            + (isPostgres() ? QStringList() : words("audit_prune_gate")); // 0002 (append-only audit log)
        QStringList actual = tables(db);
        QStringList wanted = expected;
        actual.sort();
        wanted.sort();
        QCOMPARE(actual, wanted);

        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM permissions")), 12);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM role_permissions WHERE role = 'admin'")), 12);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM role_permissions WHERE role = 'user'")), 0);
        auto auditor = db.prepare(QStringLiteral("SELECT permission FROM role_permissions WHERE role = :role "
                                                 "ORDER BY permission"));
        auditor.bind(QStringLiteral(":role"), QStringLiteral("auditor"));
        QVERIFY(auditor.exec().ok());
        QStringList auditorPermissions;
        while (auditor.next())
            auditorPermissions << auditor.string(0);
        QCOMPARE(auditorPermissions,
                 words("audit.read keys.read roles.read sessions.read settings.read stats.read users.read"));

        auto roles = db.prepare(QStringLiteral("SELECT name, builtin, created_at FROM roles ORDER BY name"));
        QVERIFY(roles.exec().ok());
        QStringList roleNames;
        while (roles.next()) {
            roleNames << roles.string(0);
            QVERIFY2(roles.boolean(1), qPrintable(roles.string(0)));
            QVERIFY(roles.int64(2) > 1600000000000); // epoch milliseconds, not seconds
        }
        QCOMPARE(roleNames, words("admin auditor user"));

        auto recorded = db.prepare(
            QStringLiteral("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"));
        QVERIFY(recorded.exec().ok());
        QVERIFY(recorded.next());
        QCOMPARE(recorded.int64(0), 1);
        QCOMPARE(recorded.string(1), QStringLiteral("initial"));
        QCOMPARE(recorded.string(2), applied->first().checksum);
        QCOMPARE(recorded.string(2).size(), 64);
    }

    void secondApplyIsNoOp()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        auto again = MigrationRunner(*db).apply();
        QVERIFY2(again.ok(), again.ok() ? "" : qPrintable(again.error().message));
        QVERIFY(again->isEmpty());
        QCOMPARE(count(*db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")), shippedCount());
        QCOMPARE(count(*db, QStringLiteral("SELECT COUNT(*) FROM permissions")), 12);
        QVERIFY(MigrationRunner(*db).verify().ok());
        QVERIFY(MigrationRunner(*db).pending()->isEmpty());
    }

    void pendingListsUnappliedAndDryRunChangesNothing()
    {
        Database db(freshConfig(), m_dir.path());
        QVERIFY(db.open().ok());
        const QString root = migrationSet(triggerMigration());
        QVERIFY(!root.isEmpty());
        MigrationRunner runner(db, root);

        auto fresh = runner.pending();
        QVERIFY2(fresh.ok(), fresh.ok() ? "" : qPrintable(fresh.error().message));
        QCOMPARE(fresh->size(), shippedCount() + 1);
        QVERIFY(tables(db).isEmpty()); // dry run created nothing, not even schema_migrations

        QVERIFY(MigrationRunner(db).apply().ok()); // the shipped binary: everything but the extra one
        auto later = runner.pending();
        QVERIFY(later.ok());
        QCOMPARE(later->size(), 1);
        QCOMPARE(later->first().id(), extraId());
        QVERIFY(!tables(db).contains(QStringLiteral("extra")));

        auto applied = runner.apply();
        QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error().message));
        QCOMPARE(applied->size(), 1);
        QCOMPARE(runner.currentVersion().value(), latestVersion() + 1);
        QVERIFY(runner.pending()->isEmpty());

        // The trigger body survived statement splitting and works.
        auto insert = db.prepare(QStringLiteral("INSERT INTO extra (id, note) VALUES (:id, :note)"));
        insert.bind(QStringLiteral(":id"), 1).bind(QStringLiteral(":note"), QStringLiteral("y"));
        QVERIFY(insert.exec().ok());
        auto rejected = db.prepare(QStringLiteral("INSERT INTO extra (id, note) VALUES (:id, :note)"));
        rejected.bind(QStringLiteral(":id"), 2).bind(QStringLiteral(":note"), QStringLiteral("x"));
        QVERIFY(!rejected.exec().ok());
        auto defaulted = db.prepare(QStringLiteral("INSERT INTO extra (id) VALUES (3)"));
        QVERIFY(defaulted.exec().ok());
        auto note = db.prepare(QStringLiteral("SELECT note FROM extra WHERE id = 3"));
        QVERIFY(note.exec().ok() && note.next());
        QCOMPARE(note.string(0), QStringLiteral("a;b"));
    }

    void tamperedMigrationRefused()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        const QString root = migrationSet({}, true);
        MigrationRunner runner(*db, root);
        for (const QString& operation :
             { QStringLiteral("verify"), QStringLiteral("apply"), QStringLiteral("pending") }) {
            QString message;
            if (operation == QStringLiteral("verify")) {
                auto r = runner.verify();
                QVERIFY(!r.ok());
                message = r.error().message;
            } else if (operation == QStringLiteral("apply")) {
                auto r = runner.apply();
                QVERIFY(!r.ok());
                message = r.error().message;
            } else {
                auto r = runner.pending();
                QVERIFY(!r.ok());
                message = r.error().message;
            }
            QVERIFY2(message.startsWith(QStringLiteral("migration 0001_initial was changed after it was applied: "
                                                       "recorded checksum ")),
                     qPrintable(operation + QStringLiteral(": ") + message));
        }
    }

    void newerDatabaseRefused()
    {
        Database db(freshConfig(), m_dir.path());
        QVERIFY(db.open().ok());
        QVERIFY(MigrationRunner(db, migrationSet(triggerMigration())).apply().ok());

        MigrationRunner shipped(db);
        const auto verified = shipped.verify();
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().message,
                 QStringLiteral("database schema version %1 is newer than this binary (knows up to %2); "
                                "upgrade authshield-server")
                     .arg(latestVersion() + 1)
                     .arg(latestVersion()));
        QVERIFY(!shipped.apply().ok());
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")), shippedCount() + 1);
    }

    void transactionRollsBackUnlessCommitted()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        const QString insertSql = QStringLiteral("INSERT INTO settings (key, value, updated_at) VALUES (:k, '{}', 1)");
        {
            auto tx = Transaction::begin(*db);
            QVERIFY2(tx.ok(), tx.ok() ? "" : qPrintable(tx.error().message));
            auto insert = db->prepare(insertSql);
            insert.bind(QStringLiteral(":k"), QStringLiteral("dropped"));
            QVERIFY(insert.exec().ok());
            QVERIFY(!Transaction::begin(*db).ok()); // not nestable
        }
        QCOMPARE(count(*db, QStringLiteral("SELECT COUNT(*) FROM settings WHERE key = 'dropped'")), 0);
        {
            auto tx = Transaction::begin(*db);
            QVERIFY(tx.ok());
            auto insert = db->prepare(insertSql);
            insert.bind(QStringLiteral(":k"), QStringLiteral("kept"));
            QVERIFY(insert.exec().ok());
            QVERIFY(tx->commit().ok());
            QVERIFY(!tx->isActive());
        }
        QCOMPARE(count(*db, QStringLiteral("SELECT COUNT(*) FROM settings WHERE key = 'kept'")), 1);
    }

    void constraintErrorsAreClassified()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        auto duplicate = db->prepare(QStringLiteral("INSERT INTO permissions (name, description) VALUES (:n, 'x')"));
        duplicate.bind(QStringLiteral(":n"), QStringLiteral("users.read"));
        const auto conflict = duplicate.exec();
        QVERIFY(!conflict.ok());
        QVERIFY2(conflict.error().code == ErrorCode::Conflict, qPrintable(conflict.error().message));

        // Foreign keys are enforced on both back-ends (SQLite needs PRAGMA foreign_keys on every connection).
        auto orphan = db->prepare(QStringLiteral("INSERT INTO user_roles (user_id, role) VALUES (:u, 'admin')"));
        orphan.bind(QStringLiteral(":u"), newId());
        const auto fk = orphan.exec();
        QVERIFY(!fk.ok());
        QCOMPARE(fk.error().code, ErrorCode::Internal);

        auto broken = db->prepare(QStringLiteral("SELECT nope FROM users"));
        const auto bad = broken.exec();
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Internal);
        QVERIFY2(bad.error().message.contains(QStringLiteral("SELECT nope FROM users")),
                 qPrintable(bad.error().message));
    }

    void valuesRoundTripUniformly()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        const QString userId = newId();
        auto user = db->prepare(QStringLiteral(
            "INSERT INTO users (id, email, email_verified, password_hash, display_name, created_at, updated_at, "
            "password_changed_at) VALUES (:id, :email, :verified, NULL, :name, :now, :now, :now)"));
        user.bind(QStringLiteral(":id"), userId)
            .bind(QStringLiteral(":email"), QStringLiteral("Ann@example.com"))
            .bindBool(QStringLiteral(":verified"), true)
            .bind(QStringLiteral(":name"), QStringLiteral("Ann Ünïcödé"))
            .bind(QStringLiteral(":now"), qint64(1700000000123));
        QVERIFY2(user.exec().ok(), qPrintable(user.exec().error().message));

        const QString sessionId = newId();
        auto session = db->prepare(
            QStringLiteral("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, idle_expires_at) "
                           "VALUES (:id, :user, 1, 1, 2, 2)"));
        session.bind(QStringLiteral(":id"), sessionId).bind(QStringLiteral(":user"), userId);
        QVERIFY(session.exec().ok());

        const QByteArray hash = QByteArray::fromHex("00ff10e2000000007f80") + QByteArray(22, '\0');
        auto token = db->prepare(QStringLiteral("INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, "
                                                "expires_at) VALUES (:id, :session, :hash, 1, 2)"));
        token.bind(QStringLiteral(":id"), newId()).bind(QStringLiteral(":session"), sessionId);
        token.bindBlob(QStringLiteral(":hash"), hash);
        QVERIFY(token.exec().ok());

        auto read = db->prepare(QStringLiteral("SELECT u.id, u.email_verified, u.display_name, u.created_at, "
                                               "u.last_login_at, r.token_hash FROM users u JOIN sessions s ON "
                                               "s.user_id = u.id JOIN refresh_tokens r ON r.session_id = s.id "
                                               "WHERE r.token_hash = :hash"));
        read.bindBlob(QStringLiteral(":hash"), hash);
        QVERIFY(read.exec().ok());
        QVERIFY(read.next());
        QCOMPARE(read.uuid(0), userId);
        QCOMPARE(read.boolean(1), true);
        QCOMPARE(read.string(2), QStringLiteral("Ann Ünïcödé"));
        QCOMPARE(read.int64(3), qint64(1700000000123));
        QVERIFY(!read.optionalInt64(4).has_value());
        QCOMPARE(read.blob(5), hash);

        // Case-insensitive search with user input taken literally.
        auto search = db->prepare(QStringLiteral("SELECT COUNT(*) FROM users WHERE email %1 :pattern ESCAPE '\\'")
                                      .arg(db->dialect().caseInsensitiveLike()));
        search.bind(QStringLiteral(":pattern"),
                    QStringLiteral("%") + SqlDialect::escapeLike(QStringLiteral("ANN@")) + QStringLiteral("%"));
        QVERIFY(search.exec().ok() && search.next());
        QCOMPARE(search.int64(0), 1);
        auto literal = db->prepare(QStringLiteral("SELECT COUNT(*) FROM users WHERE email %1 :pattern ESCAPE '\\'")
                                       .arg(db->dialect().caseInsensitiveLike()));
        literal.bind(QStringLiteral(":pattern"), SqlDialect::escapeLike(QStringLiteral("ann_example%")));
        QVERIFY(literal.exec().ok() && literal.next());
        QCOMPARE(literal.int64(0), 0);
    }

    void nullStringBindsAsEmptyTextNotNull()
    {
        // A request without User-Agent gives a null QString; NOT NULL text columns must take it as "".
        auto db = migratedDatabase();
        QVERIFY(db);
        const QString userId = newId();
        auto user = db->prepare(QStringLiteral(
            "INSERT INTO users (id, email, email_verified, password_hash, display_name, created_at, updated_at, "
            "password_changed_at) VALUES (:id, :email, :verified, NULL, :name, 1, 1, 1)"));
        user.bind(QStringLiteral(":id"), userId)
            .bind(QStringLiteral(":email"), QStringLiteral("null-name@example.com"))
            .bindBool(QStringLiteral(":verified"), false)
            .bind(QStringLiteral(":name"), QString());
        QVERIFY2(user.exec().ok(), "a null QString must not become SQL NULL");
        auto read = db->prepare(QStringLiteral("SELECT display_name IS NULL, display_name FROM users WHERE id = :id"));
        read.bind(QStringLiteral(":id"), userId);
        QVERIFY(read.exec().ok() && read.next());
        QVERIFY(!read.boolean(0));
        QCOMPARE(read.string(1), QString());
    }

    void eachThreadHasItsOwnConnection()
    {
        auto db = migratedDatabase();
        QVERIFY(db);
        const QString mainName = db->connectionName();
        QVERIFY(!mainName.isEmpty());

        QString names[2];
        bool inserted[2] = { false, false };
        auto work = [&](int index) {
            for (int i = 0; i < 20; ++i) {
                auto tx = Transaction::begin(*db);
                if (!tx)
                    return;
                auto insert = db->prepare(QStringLiteral("INSERT INTO settings (key, value, updated_at) "
                                                         "VALUES (:k, '{}', 1)"));
                insert.bind(QStringLiteral(":k"), QStringLiteral("thread%1-%2").arg(index).arg(i));
                if (!insert.exec() || !tx->commit())
                    return;
            }
            names[index] = db->connectionName();
            inserted[index] = db->connection().isOpen();
        };
        std::unique_ptr<QThread> first(QThread::create(work, 0));
        std::unique_ptr<QThread> second(QThread::create(work, 1));
        first->start();
        second->start();
        QVERIFY(first->wait(60000));
        QVERIFY(second->wait(60000));
        QVERIFY(inserted[0]);
        QVERIFY(inserted[1]);
        QVERIFY(!names[0].isEmpty() && !names[1].isEmpty());
        QVERIFY(names[0] != names[1]);
        QVERIFY(names[0] != mainName && names[1] != mainName);
        QCOMPARE(count(*db, QStringLiteral("SELECT COUNT(*) FROM settings WHERE key LIKE 'thread%'")), 40);
        // Connections go away with their threads.
        QTRY_VERIFY_WITH_TIMEOUT(!QSqlDatabase::contains(names[0]) && !QSqlDatabase::contains(names[1]), 5000);
        QVERIFY(QSqlDatabase::contains(mainName));
    }

    void destroyingDatabaseRemovesThisThreadsConnection()
    {
        QString name;
        {
            auto db = migratedDatabase();
            QVERIFY(db);
            name = db->connectionName();
            QVERIFY(QSqlDatabase::contains(name));
        }
        QVERIFY(!QSqlDatabase::contains(name));
    }

    void pingFollowsDatabaseOutage()
    {
        if (!isPostgres())
            QSKIP("only a server database can go away");
        auto db = migratedDatabase();
        QVERIFY(db);
        auto up = db->ping();
        QVERIFY2(up.ok(), up.ok() ? "" : qPrintable(up.error().message));

        m_pg->stop();
        QElapsedTimer timer;
        timer.start();
        const auto down = db->ping();
        QVERIFY(!down.ok());
        QCOMPARE(down.error().code, ErrorCode::ServiceUnavailable);
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        auto query = db->prepare(QStringLiteral("SELECT COUNT(*) FROM users"));
        const auto failed = query.exec();
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, ErrorCode::ServiceUnavailable);
        QVERIFY(!db->ping().ok()); // still down, still quick to say so
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));

        QVERIFY2(m_pg->restart(), qPrintable(m_pg->lastError()));
        const auto back = db->ping();
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));

        // A restart nobody noticed yet: the next ordinary query reconnects by itself.
        QVERIFY2(m_pg->restart(), qPrintable(m_pg->lastError()));
        auto afterRestart = db->prepare(QStringLiteral("SELECT COUNT(*) FROM permissions"));
        const auto counted = afterRestart.exec();
        QVERIFY2(counted.ok(), counted.ok() ? "" : qPrintable(counted.error().message));
        QVERIFY(afterRestart.next());
        QCOMPARE(afterRestart.int64(0), 12);
        QVERIFY(db->ping().ok());
    }

    void sqlitePragmasAreOn()
    {
        if (isPostgres())
            QSKIP("SQLite only");
        auto db = migratedDatabase();
        QVERIFY(db);
        const auto pragma = [&](const char* name) {
            QSqlQuery query(db->connection());
            if (!query.exec(QStringLiteral("PRAGMA %1").arg(QLatin1String(name))) || !query.next())
                return QString();
            return query.value(0).toString();
        };
        QCOMPARE(pragma("journal_mode"), QStringLiteral("wal"));
        QCOMPARE(pragma("foreign_keys"), QStringLiteral("1"));
        QCOMPARE(pragma("busy_timeout"), QStringLiteral("5000"));
        QCOMPARE(pragma("synchronous"), QStringLiteral("1"));
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("db%1.db").arg(m_counter))));
    }

    void badUrlsGiveClearErrors_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("messagePart");
        QTest::addRow("unsupported scheme")
            << "mysql://u@127.0.0.1/d" << int(ErrorCode::ValidationFailed) << "scheme 'mysql' is not supported";
        QTest::addRow("postgres without database")
            << "postgresql://u@127.0.0.1/" << int(ErrorCode::ValidationFailed) << "no database name";
        QTest::addRow("nothing listening") << "postgresql://u@127.0.0.1:1/d?connect_timeout=2"
                                           << int(ErrorCode::ServiceUnavailable) << "cannot connect to database";
        QTest::addRow("sqlite file in unwritable place")
            << "sqlite:///proc/authshield/x.db" << int(ErrorCode::ServiceUnavailable) << "/proc/authshield";
    }
    void badUrlsGiveClearErrors()
    {
        QFETCH(QString, url);
        QFETCH(int, code);
        QFETCH(QString, messagePart);
        DatabaseConfig config;
        config.url = url;
        config.password = QStringLiteral("hunter2");
        Database db(config, m_dir.path());
        QElapsedTimer timer;
        timer.start();
        const auto opened = db.open();
        QVERIFY(!opened.ok());
        QCOMPARE(int(opened.error().code), code);
        QVERIFY2(opened.error().message.contains(messagePart), qPrintable(opened.error().message));
        QVERIFY(!opened.error().message.contains(QStringLiteral("hunter2")));
        QVERIFY(timer.elapsed() < 10000);
        QVERIFY(!db.ping().ok());
    }
};

QTEST_GUILESS_MAIN(TestStorage)
#include "tst_storage.moc"
