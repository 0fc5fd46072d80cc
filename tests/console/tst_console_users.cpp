#include "console/models/UserTableModel.h"
#include "console/views/CreateUserDialog.h"
#include "console/views/UserDetailPanel.h"
#include "console/views/UsersPage.h"
#include "tests/console/ConsoleAdminServer.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QSettings>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

namespace {

constexpr int kSeeded = 45;

template<typename T>
T* child(QWidget& parent, const char* name)
{
    return parent.findChild<T*>(QString::fromLatin1(name));
}

QStringList emailsShown(const QAbstractItemModel& model)
{
    QStringList emails;
    for (int row = 0; row < model.rowCount(); ++row)
        emails.append(model.index(row, UserTableModel::EmailColumn).data().toString());
    return emails;
}

} // namespace

// The Users page against the real server: search, filters, paging, sort and every action of the detail panel,
// driven the way an administrator does it (typing, clicking), with the server's state checked afterwards.
class TestConsoleUsers : public QObject
{
    Q_OBJECT

private:
    ConsoleAdminServer m_server;
    QString m_carolId;

    // A page of 20 rows, shown, waiting for its first page; the page owns the client.
    std::unique_ptr<UsersPage> openPage()
    {
        ApiClient* api = m_server.adminClient(nullptr);
        auto page = std::make_unique<UsersPage>(api, nullptr);
        api->setParent(page.get());
        page->model()->setPageSize(20);
        page->setSearchDelay(50);
        page->resize(1200, 500);
        page->show();
        page->refresh();
        return page;
    }

    // Types into the search field and waits for the narrowed list.
    static void search(UsersPage& page, const QString& text)
    {
        auto* field = child<QLineEdit>(page, "userSearch");
        field->clear();
        QTest::keyClicks(field, text);
    }

    static bool selectEmail(UsersPage& page, const QString& email)
    {
        auto* table = child<QTableView>(page, "userTable");
        const int row = emailsShown(*page.model()).indexOf(email);
        if (row < 0)
            return false;
        table->selectRow(row);
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (int i = 0; i < kSeeded; ++i)
            QVERIFY(!m_server.createUser(QStringLiteral("seed-%1@example.com").arg(i, 3, 10, QLatin1Char('0')))
                         .isEmpty());
        m_carolId = m_server.createUser(QStringLiteral("carol@example.com"), kPassword, {}, QStringLiteral("Carol C"));
        QVERIFY(!m_carolId.isEmpty());
    }

    void cleanupTestCase() { QCOMPARE(m_server.stop(), 0); }

    void modelPagesByCursorAndCounts()
    {
        QObject owner;
        ApiClient* api = m_server.adminClient(&owner);
        UserTableModel model(api, nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(20);
        QSignalSpy failed(&model, &UserTableModel::failed);
        model.setQuery({});
        QTRY_COMPARE(model.rowCount(), 20);
        QTRY_VERIFY(model.total() >= kSeeded + 2);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), 40);
        const qint64 total = model.total();
        for (int i = 0; i < 5 && model.canFetchMore({}); ++i) {
            model.fetchMore({});
            QTRY_VERIFY(!model.isLoading());
        }
        QCOMPARE(model.rowCount(), total); // every user once: keyset pages neither skip nor repeat
        QCOMPARE(emailsShown(model).removeDuplicates(), 0);
        QVERIFY(!model.canFetchMore({}));

        UserQuery narrow;
        narrow.search = QStringLiteral("seed-01");
        model.setQuery(narrow);
        QTRY_COMPARE(model.total(), 10);
        QTRY_COMPARE(model.rowCount(), 10);
        QVERIFY(failed.isEmpty());
    }

    void staleAnswersAreDropped()
    {
        QObject owner;
        ApiClient* api = m_server.adminClient(&owner);
        UserTableModel model(api, nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        UserQuery first;
        first.search = QStringLiteral("seed");
        model.setQuery(first);
        UserQuery second;
        second.search = QStringLiteral("carol");
        model.setQuery(second); // the "seed" answer arrives later and must not show
        QTRY_COMPARE(model.total(), 1);
        QTRY_COMPARE(model.rowCount(), 1);
        QTest::qWait(300); // nothing else may arrive: the first query's answers are stale
        QCOMPARE(emailsShown(model), QStringList{QStringLiteral("carol@example.com")});
    }

    void typingSearchesAndScrollingFetchesMore()
    {
        auto page = openPage();
        QTRY_COMPARE(page->model()->rowCount(), 20);
        auto* table = child<QTableView>(*page, "userTable");
        table->scrollToBottom();
        QTRY_VERIFY(page->model()->rowCount() > 20);

        search(*page, QStringLiteral("seed-02"));
        QTRY_COMPARE(page->model()->rowCount(), 10);
        QTRY_COMPARE(child<QLabel>(*page, "userTotal")->text(), QStringLiteral("10 users"));
        for (const QString& email : emailsShown(*page->model()))
            QVERIFY2(email.startsWith(QStringLiteral("seed-02")), qPrintable(email));

        search(*page, QStringLiteral("no-such-person"));
        QTRY_COMPARE(child<QLabel>(*page, "userTotal")->text(), QStringLiteral("0 users"));
        QCOMPARE(page->model()->rowCount(), 0);
    }

    void headerClickSortsByEmailOnTheServer()
    {
        auto page = openPage();
        QTRY_COMPARE(page->model()->rowCount(), 20);
        auto* table = child<QTableView>(*page, "userTable");
        QHeaderView* header = table->horizontalHeader();
        const QPoint emailHeader(header->sectionViewportPosition(UserTableModel::EmailColumn) + 5, 5);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, emailHeader);
        QTRY_VERIFY(page->model()->query().sortByEmail);
        QTRY_COMPARE(page->model()->rowCount(), 20);
        const QStringList first = emailsShown(*page->model());
        QStringList sorted = first;
        std::sort(sorted.begin(), sorted.end());
        if (!page->model()->query().ascending)
            std::reverse(sorted.begin(), sorted.end());
        QCOMPARE(first, sorted);

        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, emailHeader); // the other direction
        QTRY_COMPARE(page->model()->rowCount(), 20);
        QTRY_VERIFY(emailsShown(*page->model()) != first);
        QStringList reversed = emailsShown(*page->model());
        QStringList expected = reversed;
        std::sort(expected.begin(), expected.end());
        if (!page->model()->query().ascending)
            std::reverse(expected.begin(), expected.end());
        QCOMPARE(reversed, expected);
    }

    void statusFilterShowsDisabledOnly()
    {
        const QString id = m_server.createUser(QStringLiteral("dora@example.com"));
        QVERIFY(call(m_server.admin(), QByteArrayLiteral("PATCH"), QStringLiteral("/api/v1/admin/users/") + id,
                     QJsonDocument(QJsonObject{{QStringLiteral("status"), QStringLiteral("disabled")}}))
                    .ok);
        auto page = openPage();
        auto* status = child<QComboBox>(*page, "userStatusFilter");
        status->setCurrentIndex(status->findData(QStringLiteral("disabled")));
        QTRY_COMPARE(emailsShown(*page->model()), QStringList{QStringLiteral("dora@example.com")});
        QTRY_COMPARE(child<QLabel>(*page, "userTotal")->text(), QStringLiteral("1 user"));
    }

    void filtersAndColumnsAreRemembered()
    {
        QSettings settings(QDir::temp().filePath(QStringLiteral("tst_console_users_state.ini")), QSettings::IniFormat);
        settings.clear();
        {
            auto page = openPage();
            auto* status = child<QComboBox>(*page, "userStatusFilter");
            status->setCurrentIndex(status->findData(QStringLiteral("locked")));
            child<QTableView>(*page, "userTable")->horizontalHeader()->resizeSection(UserTableModel::EmailColumn, 321);
            page->saveState(settings);
        }
        auto page = openPage();
        page->restoreState(settings);
        QCOMPARE(child<QComboBox>(*page, "userStatusFilter")->currentData().toString(), QStringLiteral("locked"));
        QCOMPARE(child<QTableView>(*page, "userTable")->horizontalHeader()->sectionSize(UserTableModel::EmailColumn), 321);
        settings.clear();
    }

    void editRolesAndDisable()
    {
        auto page = openPage();
        search(*page, QStringLiteral("carol"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(selectEmail(*page, QStringLiteral("carol@example.com")));
        UserDetailPanel* detail = page->detail();
        QTRY_COMPARE(child<QLabel>(*detail, "userDetailTitle")->text(), QStringLiteral("carol@example.com"));
        QTRY_VERIFY(child<QCheckBox>(*detail, "roleCheck_auditor"));
        auto* auditor = child<QCheckBox>(*detail, "roleCheck_auditor");
        QVERIFY(!auditor->isChecked());
        QSignalSpy finished(detail, &UserDetailPanel::actionFinished);
        auditor->click();
        QVERIFY(finished.wait(10000));
        QTRY_VERIFY(m_server.user(m_carolId).value(QStringLiteral("roles")).toArray().contains(QStringLiteral("auditor")));
        QTRY_VERIFY(page->model()->index(0, UserTableModel::RolesColumn).data().toString().contains(
            QStringLiteral("auditor")));

        QCOMPARE(m_server.loginAnswer(QStringLiteral("carol@example.com"), kPassword).status, 200);
        child<QPushButton>(*detail, "toggleStatusButton")->click();
        QVERIFY(finished.wait(10000));
        QCOMPARE(m_server.user(m_carolId).value(QStringLiteral("status")).toString(), QStringLiteral("disabled"));
        QTRY_COMPARE(child<QPushButton>(*detail, "toggleStatusButton")->text(), QStringLiteral("Enable account"));
        QVERIFY(m_server.loginAnswer(QStringLiteral("carol@example.com"), kPassword).status >= 400);
        child<QPushButton>(*detail, "toggleStatusButton")->click();
        QVERIFY(finished.wait(10000));
        QCOMPARE(m_server.user(m_carolId).value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    }

    void lastAdminRefusalIsShownWithRequestId()
    {
        auto page = openPage();
        QSignalSpy errors(page.get(), &ConsolePage::errorOccurred);
        search(*page, QStringLiteral("admin@"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(selectEmail(*page, kAdminEmail));
        UserDetailPanel* detail = page->detail();
        QTRY_COMPARE(child<QLabel>(*detail, "userDetailTitle")->text(), kAdminEmail);
        QTRY_VERIFY(child<QCheckBox>(*detail, "roleCheck_admin") && child<QCheckBox>(*detail, "roleCheck_admin")->isChecked());
        child<QCheckBox>(*detail, "roleCheck_admin")->click();
        QTRY_VERIFY(!detail->errorText().isEmpty());
        QVERIFY2(detail->errorText().contains(QStringLiteral("request id: ")), qPrintable(detail->errorText()));
        QVERIFY(!errors.isEmpty());
        QCOMPARE(errors.first().first().value<ApiError>().code, QStringLiteral("last_admin"));
        QTRY_VERIFY(child<QCheckBox>(*detail, "roleCheck_admin")->isChecked()); // re-read: still an admin
        QCOMPARE(m_server.loginAnswer(kAdminEmail, kPassword).status, 200);
    }

    void unlockAfterWrongPasswords()
    {
        const QString id = m_server.createUser(QStringLiteral("erin@example.com"), kPassword);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(m_server.loginAnswer(QStringLiteral("erin@example.com"), QStringLiteral("wrong-password-1")).status,
                     401);
        QCOMPARE(m_server.loginAnswer(QStringLiteral("erin@example.com"), kPassword).status, 401); // locked
        auto page = openPage();
        search(*page, QStringLiteral("erin"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(page->model()->index(0, UserTableModel::StatusColumn).data().toString().contains(QStringLiteral("locked")));
        QVERIFY(selectEmail(*page, QStringLiteral("erin@example.com")));
        UserDetailPanel* detail = page->detail();
        auto* unlock = child<QPushButton>(*detail, "unlockButton");
        QTRY_VERIFY(unlock->isEnabled());
        QVERIFY(child<QLabel>(*detail, "lockStateLabel")->text().startsWith(QStringLiteral("Locked")));
        QSignalSpy finished(detail, &UserDetailPanel::actionFinished);
        unlock->click();
        QVERIFY(finished.wait(10000));
        QVERIFY(!m_server.user(id).value(QStringLiteral("locked")).toBool());
        QTRY_VERIFY(!unlock->isEnabled());
        QCOMPARE(child<QLabel>(*detail, "lockStateLabel")->text(), QStringLiteral("Not locked."));
        QCOMPARE(m_server.loginAnswer(QStringLiteral("erin@example.com"), kPassword).status, 200);
    }

    void revokeSessionStopsTheToken()
    {
        m_server.createUser(QStringLiteral("frank@example.com"), kPassword);
        const QByteArray token = m_server.login(QStringLiteral("frank@example.com"), kPassword);
        QVERIFY(!token.isEmpty());
        QCOMPARE(m_server.meStatus(token), 200);
        auto page = openPage();
        search(*page, QStringLiteral("frank"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(selectEmail(*page, QStringLiteral("frank@example.com")));
        auto* sessions = child<QTableWidget>(*page->detail(), "userSessionTable");
        QTRY_COMPARE(sessions->rowCount(), 1);
        sessions->selectRow(0);
        auto* revoke = child<QPushButton>(*page->detail(), "revokeSessionButton");
        QVERIFY(revoke->isEnabled());
        QSignalSpy finished(page->detail(), &UserDetailPanel::actionFinished);
        QTest::mouseClick(revoke, Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QTRY_COMPARE(sessions->rowCount(), 0);
        QCOMPARE(m_server.meStatus(token), 401);
    }

    void forceLogoutAndResetMail()
    {
        m_server.createUser(QStringLiteral("gina@example.com"), kPassword);
        const QByteArray token = m_server.login(QStringLiteral("gina@example.com"), kPassword);
        auto page = openPage();
        search(*page, QStringLiteral("gina"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(selectEmail(*page, QStringLiteral("gina@example.com")));
        QTRY_COMPARE(child<QLabel>(*page->detail(), "userDetailTitle")->text(), QStringLiteral("gina@example.com"));
        // Two-factor: offered only when the server has the MFA routes (branch mfa); gina never enrolled.
        const int mfaRoute = call(m_server.admin(), QByteArrayLiteral("GET"),
                                  QStringLiteral("/api/v1/admin/users/%1/mfa").arg(page->detail()->userId()))
                                 .status;
        auto* mfaLabel = child<QLabel>(*page->detail(), "mfaStateLabel");
        if (mfaRoute == 404) {
            QTRY_VERIFY(!mfaLabel->isVisibleTo(page->detail()));
        } else {
            QCOMPARE(mfaRoute, 200);
            QTRY_COMPARE(mfaLabel->text(), QStringLiteral("Not enrolled."));
            QVERIFY(!child<QPushButton>(*page->detail(), "resetMfaButton")->isEnabled());
        }
        QSignalSpy finished(page->detail(), &UserDetailPanel::actionFinished);
        QSignalSpy status(page.get(), &ConsolePage::statusMessage);
        QTest::mouseClick(child<QPushButton>(*page->detail(), "forceLogoutButton"), Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QCOMPARE(m_server.meStatus(token), 401);
        QTest::mouseClick(child<QPushButton>(*page->detail(), "sendResetButton"), Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QVERIFY(status.last().first().toString().contains(QStringLiteral("reset mail")));
        QVERIFY(page->detail()->errorText().isEmpty());
    }

    void deleteAsksNamingTheUser()
    {
        const QString id = m_server.createUser(QStringLiteral("hank@example.com"), {}, {}, QStringLiteral("Hank H"));
        auto page = openPage();
        QStringList questions;
        bool answer = false;
        page->setConfirmer([&questions, &answer](QWidget*, const QString&, const QString& question) {
            questions.append(question);
            return answer;
        });
        search(*page, QStringLiteral("hank"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QVERIFY(selectEmail(*page, QStringLiteral("hank@example.com")));
        QTRY_COMPARE(child<QLabel>(*page->detail(), "userDetailTitle")->text(), QStringLiteral("hank@example.com"));
        auto* remove = child<QPushButton>(*page->detail(), "deleteUserButton");
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(questions.size(), 1);
        QVERIFY2(questions.first().contains(QStringLiteral("Hank H <hank@example.com>")), qPrintable(questions.first()));
        QTest::qWait(200);
        QCOMPARE(call(m_server.admin(), QByteArrayLiteral("GET"), QStringLiteral("/api/v1/admin/users/") + id).status,
                 200); // declined: still there

        answer = true;
        QSignalSpy deleted(page->detail(), &UserDetailPanel::userDeleted);
        QTest::mouseClick(remove, Qt::LeftButton);
        QVERIFY(deleted.wait(10000));
        QTRY_COMPARE(page->model()->rowCount(), 0);
        QCOMPARE(call(m_server.admin(), QByteArrayLiteral("GET"), QStringLiteral("/api/v1/admin/users/") + id).status,
                 404);
    }

    void createShowsFieldErrorsThenCreates()
    {
        auto page = openPage();
        QTRY_VERIFY(page->findChild<QComboBox*>(QStringLiteral("userRoleFilter"))->count() > 1); // roles loaded
        QTest::mouseClick(child<QPushButton>(*page, "createUserButton"), Qt::LeftButton);
        auto* dialog = page->findChild<CreateUserDialog*>();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QTest::keyClicks(child<QLineEdit>(*dialog, "createEmail"), QStringLiteral("not-an-address"));
        QTest::mouseClick(child<QPushButton>(*dialog, "createUserSubmit"), Qt::LeftButton);
        QTRY_VERIFY(!dialog->fieldError(QStringLiteral("email")).isEmpty());
        QVERIFY(child<QLabel>(*dialog, "createEmailError")->isVisible());
        QVERIFY(dialog->generalError().contains(QStringLiteral("request id: ")));

        auto* email = child<QLineEdit>(*dialog, "createEmail");
        email->clear();
        QTest::keyClicks(email, QStringLiteral("ivy@example.com"));
        QTest::keyClicks(child<QLineEdit>(*dialog, "createPassword"), QStringLiteral("short"));
        QTest::mouseClick(child<QPushButton>(*dialog, "createUserSubmit"), Qt::LeftButton);
        QTRY_VERIFY(!dialog->fieldError(QStringLiteral("password")).isEmpty());
        QVERIFY(dialog->fieldError(QStringLiteral("email")).isEmpty());

        auto* password = child<QLineEdit>(*dialog, "createPassword");
        password->clear();
        QTest::keyClicks(password, kPassword);
        QTest::keyClicks(child<QLineEdit>(*dialog, "createDisplayName"), QStringLiteral("Ivy I"));
        child<QCheckBox>(*dialog, "createRole_auditor")->setChecked(true);
        child<QCheckBox>(*dialog, "createEmailVerified")->setChecked(true);
        QPointer<CreateUserDialog> guard(dialog);
        QTest::mouseClick(child<QPushButton>(*dialog, "createUserSubmit"), Qt::LeftButton);
        QTRY_VERIFY(!guard); // accepted and closed
        QCOMPARE(m_server.loginAnswer(QStringLiteral("ivy@example.com"), kPassword).status, 200);
        search(*page, QStringLiteral("ivy@"));
        QTRY_COMPARE(page->model()->rowCount(), 1);
        QCOMPARE(page->model()->index(0, UserTableModel::RolesColumn).data().toString().contains(QStringLiteral("auditor")),
                 true);
    }
};

QTEST_MAIN(TestConsoleUsers)
#include "tst_console_users.moc"
