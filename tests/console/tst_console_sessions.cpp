#include "console/models/SessionTableModel.h"
#include "console/views/SessionsPage.h"
#include "tests/console/ConsoleAdminServer.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QHeaderView>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

// The Sessions page against the real server: every active session with user, device, IP and relative age, paged;
// several revoked at once by ctrl-clicking rows, after which exactly those tokens stop working.
class TestConsoleSessions : public QObject
{
    Q_OBJECT

private:
    ConsoleAdminServer m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(!m_server.createUser(QStringLiteral("olga@example.com"), kPassword).isEmpty());
        QVERIFY(!m_server.createUser(QStringLiteral("pete@example.com"), kPassword).isEmpty());
    }

    void cleanupTestCase() { QCOMPARE(m_server.stop(), 0); }

    void modelListsActiveSessionsInPages()
    {
        for (int i = 0; i < 3; ++i)
            QVERIFY(!m_server.login(QStringLiteral("olga@example.com"), kPassword).isEmpty());
        QObject owner;
        SessionTableModel model(m_server.adminClient(&owner), nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(2);
        QSignalSpy failed(&model, &SessionTableModel::failed);
        model.reload();
        QTRY_COMPARE(model.rowCount(), 2);
        for (int i = 0; i < 10 && model.canFetchMore({}); ++i) {
            model.fetchMore({});
            QTRY_VERIFY(!model.isLoading());
        }
        QVERIFY(model.rowCount() >= 4); // olga's three and the administrator's own
        QVERIFY(failed.isEmpty());
        int olga = 0;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (model.index(row, SessionTableModel::UserColumn).data().toString() == QStringLiteral("olga@example.com")) {
                ++olga;
                QCOMPARE(model.index(row, SessionTableModel::IpColumn).data().toString(), QStringLiteral("127.0.0.1"));
                QVERIFY(model.index(row, SessionTableModel::StartedColumn).data().toString().endsWith(QStringLiteral("ago")));
            }
        }
        QCOMPARE(olga, 3);
    }

    void revokeSeveralSelectedByClicks()
    {
        const QByteArray first = m_server.login(QStringLiteral("pete@example.com"), kPassword);
        const QByteArray second = m_server.login(QStringLiteral("pete@example.com"), kPassword);
        const QByteArray olga = m_server.login(QStringLiteral("olga@example.com"), kPassword);
        QVERIFY(!first.isEmpty() && !second.isEmpty() && !olga.isEmpty());

        ApiClient* api = m_server.adminClient(nullptr);
        SessionsPage page(api, nullptr);
        api->setParent(&page);
        QStringList questions;
        page.setConfirmer([&questions](QWidget*, const QString&, const QString& question) {
            questions.append(question);
            return true;
        });
        page.resize(1000, 600);
        page.show();
        page.refresh();
        SessionTableModel* model = page.model();
        QTRY_VERIFY(model->rowCount() >= 6);
        auto* table = page.findChild<QTableView*>(QStringLiteral("sessionTable"));
        QList<int> peteRows;
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->session(row).userEmail == QStringLiteral("pete@example.com"))
                peteRows.append(row);
        }
        QCOMPARE(peteRows.size(), 2);
        for (int i = 0; i < peteRows.size(); ++i) {
            const QModelIndex cell = model->index(peteRows.at(i), SessionTableModel::UserColumn);
            table->scrollTo(cell);
            QTest::mouseClick(table->viewport(), Qt::LeftButton, i == 0 ? Qt::NoModifier : Qt::ControlModifier,
                              table->visualRect(cell).center());
        }
        QCOMPARE(table->selectionModel()->selectedRows().size(), 2);
        auto* revoke = page.findChild<QPushButton*>(QStringLiteral("revokeSessionsButton"));
        QVERIFY(revoke->isEnabled());
        QSignalSpy finished(&page, &SessionsPage::revokeFinished);
        QTest::mouseClick(revoke, Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(0).toInt(), 2);
        QCOMPARE(finished.first().at(1).toInt(), 0);
        QCOMPARE(questions.size(), 1);
        QVERIFY2(questions.first().contains(QStringLiteral("2 session(s) of pete@example.com")),
                 qPrintable(questions.first()));
        QCOMPARE(m_server.meStatus(first), 401);
        QCOMPARE(m_server.meStatus(second), 401);
        QCOMPARE(m_server.meStatus(olga), 200);
        QTRY_VERIFY(!model->isLoading());
        for (int row = 0; row < model->rowCount(); ++row)
            QVERIFY(model->session(row).userEmail != QStringLiteral("pete@example.com"));
        QVERIFY(page.errorText().isEmpty());
    }
};

QTEST_MAIN(TestConsoleSessions)
#include "tst_console_sessions.moc"
