#include "console/models/AuditTableModel.h"
#include "console/views/AuditPage.h"
#include "tests/console/ConsoleAdminServer.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QDateTimeEdit>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

namespace {

template<typename T>
T* child(QWidget& parent, const char* name)
{
    return parent.findChild<T*>(QString::fromLatin1(name));
}

QStringList typesShown(const AuditTableModel& model)
{
    QStringList types;
    for (int row = 0; row < model.rowCount(); ++row)
        types.append(model.index(row, AuditTableModel::TypeColumn).data().toString());
    return types;
}

} // namespace

// The Audit page against the real server: filters typed into the fields, the event JSON, follow mode, the streamed
// export (content, cancel leaves no file) and the chain verification.
class TestConsoleAudit : public QObject
{
    Q_OBJECT

private:
    ConsoleAdminServer m_server;

    std::unique_ptr<AuditPage> openPage()
    {
        ApiClient* api = m_server.adminClient(nullptr);
        auto page = std::make_unique<AuditPage>(api, nullptr);
        api->setParent(page.get());
        page->resize(1200, 700);
        page->show();
        page->refresh();
        return page;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(!m_server.createUser(QStringLiteral("quinn@example.com"), kPassword).isEmpty());
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_server.loginAnswer(QStringLiteral("quinn@example.com"), QStringLiteral("not-the-password")).status,
                     401);
        QVERIFY(!m_server.login(QStringLiteral("quinn@example.com"), kPassword).isEmpty());
    }

    void cleanupTestCase() { QCOMPARE(m_server.stop(), 0); }

    void modelPagesNewestFirst()
    {
        QObject owner;
        AuditTableModel model(m_server.adminClient(&owner), nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(2);
        model.reload();
        QTRY_COMPARE(model.rowCount(), 2);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), 4);
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.record(row - 1).seq > model.record(row).seq);
    }

    void followModeIsBounded()
    {
        QObject owner;
        AuditTableModel model(m_server.adminClient(&owner), nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(3);
        model.setFollowLimit(3);
        model.reload();
        QTRY_COMPARE(model.rowCount(), 3);
        const qint64 newest = model.record(0).seq;
        QSignalSpy prepended(&model, &AuditTableModel::newestPrepended);
        QCOMPARE(m_server.loginAnswer(QStringLiteral("quinn@example.com"), QStringLiteral("wrong-once-more")).status, 401);
        model.pollNewest();
        QVERIFY(prepended.wait(10000));
        QCOMPARE(model.rowCount(), 3); // the oldest fell off
        QVERIFY(model.record(0).seq > newest);
        QVERIFY(!model.canFetchMore({})); // its cursor pointed past rows that are gone: reload to scroll back
    }

    void typeFilterAndDetail()
    {
        auto page = openPage();
        QTRY_VERIFY(page->model()->rowCount() > 3);
        QTest::keyClicks(child<QLineEdit>(*page, "auditType"), QStringLiteral("auth.login.failed"));
        QTest::keyClick(child<QLineEdit>(*page, "auditType"), Qt::Key_Return);
        QTRY_COMPARE(page->model()->rowCount(), 4); // three wrong passwords here, one in followModeIsBounded
        QCOMPARE(typesShown(*page->model()).removeDuplicates(), 3);

        auto* table = child<QTableView>(*page, "auditTable");
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                          table->visualRect(page->model()->index(0, AuditTableModel::TypeColumn)).center());
        const QString detail = child<QPlainTextEdit>(*page, "auditDetail")->toPlainText();
        QVERIFY2(detail.contains(QStringLiteral("\"type\": \"auth.login.failed\"")), qPrintable(detail));
        QVERIFY(detail.contains(QStringLiteral("\"request_id\"")));

        // A time range that ends before anything happened leaves nothing.
        child<QCheckBox>(*page, "auditToEnabled")->click();
        child<QDateTimeEdit>(*page, "auditTo")->setDateTime(QDateTime::currentDateTime().addDays(-2));
        QTest::mouseClick(child<QPushButton>(*page, "auditApply"), Qt::LeftButton);
        QTRY_VERIFY(!page->model()->isLoading());
        QTRY_COMPARE(page->model()->rowCount(), 0);
        QVERIFY(page->errorText().isEmpty());

        child<QCheckBox>(*page, "auditToEnabled")->click();
        child<QLineEdit>(*page, "auditIp")->setText(QStringLiteral("not-an-ip"));
        QTest::mouseClick(child<QPushButton>(*page, "auditApply"), Qt::LeftButton);
        QTRY_VERIFY(page->errorText().contains(QStringLiteral("request id: ")));
    }

    void followPrependsNewEvents()
    {
        auto page = openPage();
        page->setFollowInterval(100);
        QTRY_VERIFY(page->model()->rowCount() > 0);
        const qint64 newest = page->model()->record(0).seq;
        const int before = page->model()->rowCount();
        QSignalSpy prepended(page->model(), &AuditTableModel::newestPrepended);
        child<QCheckBox>(*page, "auditFollow")->click();
        QCOMPARE(m_server.loginAnswer(QStringLiteral("quinn@example.com"), QStringLiteral("wrong-again")).status, 401);
        QTRY_VERIFY_WITH_TIMEOUT(!prepended.isEmpty(), 10000);
        QVERIFY(page->model()->record(0).seq > newest);
        QVERIFY(page->model()->rowCount() > before);
        QVERIFY(typesShown(*page->model()).contains(QStringLiteral("auth.login.failed")));
        child<QCheckBox>(*page, "auditFollow")->click();
    }

    void exportCsvThroughTheButton()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("audit.csv"));
        auto page = openPage();
        page->setFileChooser([&path](QWidget*, const QString& suggested, const QString&) {
            return suggested.endsWith(QStringLiteral(".csv")) ? path : QString();
        });
        QSignalSpy finished(page.get(), &AuditPage::exportFinished);
        QTest::mouseClick(child<QPushButton>(*page, "exportButton"), Qt::LeftButton);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().at(0).toBool(), true);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.first().trimmed(),
                 QByteArray("seq,time,type,actor_id,subject_id,ip,user_agent,request_id,outcome,details,hash"));
        QVERIFY(lines.size() > 5);
        QVERIFY(child<QLabel>(*page, "exportStatus")->text().startsWith(QStringLiteral("Exported")));
    }

    void exportNdjsonFiltered()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("audit.ndjson"));
        auto page = openPage();
        child<QLineEdit>(*page, "auditType")->setText(QStringLiteral("auth.login.*"));
        QSignalSpy finished(page.get(), &AuditPage::exportFinished);
        QVERIFY(page->startExport(path, QStringLiteral("ndjson")));
        QVERIFY(finished.wait(20000));
        QVERIFY(finished.first().at(0).toBool());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        int events = 0;
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            QVERIFY2(event.value(QStringLiteral("type")).toString().startsWith(QStringLiteral("auth.login.")), line.constData());
            ++events;
        }
        QVERIFY(events >= 5);
    }

    void cancelLeavesNoFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cancelled.csv"));
        auto page = openPage();
        QSignalSpy finished(page.get(), &AuditPage::exportFinished);
        // Cancel as soon as the first bytes are on disk (under the temporary name): a real mid-stream cancel.
        connect(page.get(), &AuditPage::exportProgress, page.get(), [&page]() { page->cancelExport(); });
        QVERIFY(page->startExport(path, QStringLiteral("csv")));
        QVERIFY(page->isExporting());
        QVERIFY(child<QPushButton>(*page, "exportCancel")->isVisible());
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY(!page->isExporting());
        QVERIFY(!QFile::exists(path));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{}); // no partial temp file either
        QVERIFY(child<QLabel>(*page, "exportStatus")->text().contains(QStringLiteral("cancelled")));

        // Cancel from the button before anything arrived.
        QSignalSpy again(page.get(), &AuditPage::exportFinished);
        QVERIFY(page->startExport(path, QStringLiteral("csv")));
        QTest::mouseClick(child<QPushButton>(*page, "exportCancel"), Qt::LeftButton);
        QCOMPARE(again.size(), 1);
        QVERIFY(!QFile::exists(path));
        QTest::qWait(200); // the aborted reply must not report anything afterwards
        QCOMPARE(again.size(), 1);
    }

    void verifyChainShowsIntact()
    {
        auto page = openPage();
        QSignalSpy verified(page.get(), &AuditPage::verifyFinished);
        QTest::mouseClick(child<QPushButton>(*page, "verifyButton"), Qt::LeftButton);
        QVERIFY(verified.wait(20000));
        QCOMPARE(verified.first().first().toBool(), true);
        QVERIFY2(child<QLabel>(*page, "verifyResult")->text().startsWith(QStringLiteral("Chain intact")),
                 qPrintable(child<QLabel>(*page, "verifyResult")->text()));
    }
};

QTEST_MAIN(TestConsoleAudit)
#include "tst_console_audit.moc"
