#include "server/storage/SqlScript.h"

#include <QTest>

using authshield::server::SqlScript;

namespace {

QStringList lines(std::initializer_list<const char*> items)
{
    QStringList out;
    for (const char* item : items)
        out << QString::fromUtf8(item);
    return out;
}

} // namespace

class TestSqlScript : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void split_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QStringList>("statements");
        QTest::addRow("two statements") << "CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);"
                                        << lines({ "CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)" });
        QTest::addRow("last statement without semicolon") << "SELECT 1; SELECT 2" << lines({ "SELECT 1", "SELECT 2" });
        QTest::addRow("semicolon in string")
            << "INSERT INTO t VALUES ('a;b', 'it''s;');" << lines({ "INSERT INTO t VALUES ('a;b', 'it''s;')" });
        QTest::addRow("semicolon in quoted identifier") << "SELECT 1 AS \"x;y\";" << lines({ "SELECT 1 AS \"x;y\"" });
        QTest::addRow("comments only are dropped") << "-- header; note\n/* block; */\nSELECT 1;\n-- trailing;\n"
                                                   << lines({ "-- header; note\n/* block; */\nSELECT 1" });
        QTest::addRow("dollar-quoted function body")
            << "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'x;y'; RETURN NEW; END; $$ "
               "LANGUAGE plpgsql;\nSELECT 2;"
            << lines({ "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'x;y'; RETURN NEW; END; "
                       "$$ LANGUAGE plpgsql",
                       "SELECT 2" });
        QTest::addRow("tagged dollar quote") << "DO $body$ BEGIN PERFORM 1; END $body$; SELECT 3;"
                                             << lines({ "DO $body$ BEGIN PERFORM 1; END $body$", "SELECT 3" });
        QTest::addRow("sqlite trigger body with CASE")
            << "CREATE TRIGGER t BEFORE INSERT ON a BEGIN SELECT CASE WHEN NEW.x < 0 THEN RAISE(ABORT, 'neg') END; "
               "UPDATE b SET y = 1; END;\nSELECT 4;"
            << lines({ "CREATE TRIGGER t BEFORE INSERT ON a BEGIN SELECT CASE WHEN NEW.x < 0 THEN RAISE(ABORT, "
                       "'neg') END; UPDATE b SET y = 1; END",
                       "SELECT 4" });
        QTest::addRow("positional parameter is not a dollar quote")
            << "SELECT $1; SELECT 5;" << lines({ "SELECT $1", "SELECT 5" });
        QTest::addRow("transaction BEGIN is not a block")
            << "BEGIN; SELECT 6; COMMIT;" << lines({ "BEGIN", "SELECT 6", "COMMIT" });
        QTest::addRow("empty statements skipped") << ";;  ;\nSELECT 7;;" << lines({ "SELECT 7" });
    }
    void split()
    {
        QFETCH(QString, sql);
        QFETCH(QStringList, statements);
        QCOMPARE(SqlScript::split(sql), statements);
    }
};

QTEST_GUILESS_MAIN(TestSqlScript)
#include "tst_sql_script.moc"
