#include "console/api/AdminClient.h"
#include "console/models/RolePermissionModel.h"
#include "console/views/RolesPage.h"
#include "tests/console/ConsoleAdminServer.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>

using namespace authshield;
using namespace authshield::console;
using namespace authshield::test;

namespace {

template<typename T>
T* child(QWidget& parent, const char* name)
{
    return parent.findChild<T*>(QString::fromLatin1(name));
}

} // namespace

// The Roles page against the real server: the matrix model, create, grant by ticking a matrix cell, rename, and
// the server's refusals (builtin role, role in use → forced delete after a second confirmation).
class TestConsoleRoles : public QObject
{
    Q_OBJECT

private:
    ConsoleAdminServer m_server;

    QJsonObject serverRole(const QString& name)
    {
        const Answer answer = call(m_server.admin(), QByteArrayLiteral("GET"), QStringLiteral("/api/v1/admin/roles"));
        const QJsonArray items = answer.body.object().value(QStringLiteral("items")).toArray();
        for (const QJsonValue& item : items) {
            if (item.toObject().value(QStringLiteral("name")).toString() == name)
                return item.toObject();
        }
        return {};
    }

    std::unique_ptr<RolesPage> openPage()
    {
        ApiClient* api = m_server.adminClient(nullptr);
        auto page = std::make_unique<RolesPage>(api, nullptr);
        api->setParent(page.get());
        page->resize(1000, 700);
        page->show();
        QSignalSpy loaded(page.get(), &RolesPage::loaded);
        page->refresh();
        if (!loaded.wait(10000))
            return nullptr;
        return page;
    }

    static bool selectRole(RolesPage& page, const QString& name)
    {
        auto* table = child<QTableWidget>(page, "roleTable");
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->item(row, 0)->text() == name) {
                table->selectRow(row);
                return page.selectedRole() == name;
            }
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        const QString problem = m_server.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void cleanupTestCase() { QCOMPARE(m_server.stop(), 0); }

    void matrixModelFollowsTheCatalogue()
    {
        QObject owner;
        AdminClient client(m_server.adminClient(&owner));
        QList<AdminRole> roles;
        QList<AdminPermission> permissions;
        bool failed = false;
        client.listRoles(&owner, [&roles](const QList<AdminRole>& list) { roles = list; },
                         [&failed](const ApiError&) { failed = true; });
        client.listPermissions(&owner, [&permissions](const QList<AdminPermission>& list) { permissions = list; },
                               [&failed](const ApiError&) { failed = true; });
        QTRY_VERIFY(!roles.isEmpty() && !permissions.isEmpty());
        QVERIFY(!failed);

        RolePermissionModel model(nullptr);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCatalogue(roles, permissions);
        QCOMPARE(model.columnCount(), roles.size());
        QCOMPARE(model.rowCount(), permissions.size());
        const int admin = model.columnOf(QStringLiteral("admin"));
        const int auditor = model.columnOf(QStringLiteral("auditor"));
        const int write = model.rowOf(QStringLiteral("users.write"));
        QVERIFY(admin >= 0 && auditor >= 0 && write >= 0);
        QCOMPARE(model.index(write, admin).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
        QCOMPARE(model.index(write, auditor).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        QSignalSpy edited(&model, &RolePermissionModel::permissionsEdited);
        QVERIFY(model.setData(model.index(write, auditor), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(edited.size(), 1);
        QCOMPARE(edited.first().at(0).toString(), QStringLiteral("auditor"));
        QVERIFY(edited.first().at(1).toStringList().contains(QStringLiteral("users.write")));
        QCOMPARE(model.headerData(admin, Qt::Horizontal).toString(), QStringLiteral("admin"));
    }

    void createGrantRename()
    {
        auto page = openPage();
        QVERIFY(page);
        QSignalSpy finished(page.get(), &RolesPage::actionFinished);
        QTest::keyClicks(child<QLineEdit>(*page, "newRoleName"), QStringLiteral("support"));
        QTest::keyClicks(child<QLineEdit>(*page, "newRoleDescription"), QStringLiteral("Help desk staff"));
        QTest::mouseClick(child<QPushButton>(*page, "createRoleButton"), Qt::LeftButton);
        QVERIFY2(finished.wait(10000), qPrintable(page->errorText()));
        QTRY_COMPARE(page->selectedRole(), QStringLiteral("support"));
        QCOMPARE(serverRole(QStringLiteral("support")).value(QStringLiteral("description")).toString(),
                 QStringLiteral("Help desk staff"));

        // Tick "users.read" for support in the matrix with the keyboard, as a user would.
        auto* view = child<QTableView>(*page, "permissionMatrix");
        QTRY_VERIFY(page->matrix()->columnOf(QStringLiteral("support")) >= 0);
        const QModelIndex cell = page->matrix()->index(page->matrix()->rowOf(QStringLiteral("users.read")),
                                                       page->matrix()->columnOf(QStringLiteral("support")));
        view->setFocus();
        view->setCurrentIndex(cell);
        QTest::keyClick(view, Qt::Key_Space);
        QVERIFY2(finished.wait(10000), qPrintable(page->errorText()));
        QCOMPARE(serverRole(QStringLiteral("support")).value(QStringLiteral("permissions")).toArray(),
                 QJsonArray{QStringLiteral("users.read")});

        QVERIFY(selectRole(*page, QStringLiteral("support")));
        auto* rename = child<QLineEdit>(*page, "renameRoleEdit");
        rename->clear();
        QTest::keyClicks(rename, QStringLiteral("helpdesk"));
        QTest::mouseClick(child<QPushButton>(*page, "renameRoleButton"), Qt::LeftButton);
        QVERIFY2(finished.wait(10000), qPrintable(page->errorText()));
        QVERIFY(serverRole(QStringLiteral("support")).isEmpty());
        QCOMPARE(serverRole(QStringLiteral("helpdesk")).value(QStringLiteral("permissions")).toArray(),
                 QJsonArray{QStringLiteral("users.read")});
        QTRY_COMPARE(page->selectedRole(), QStringLiteral("helpdesk"));
    }

    void builtinDeleteIsRefusedInWords()
    {
        auto page = openPage();
        QVERIFY(page);
        page->setConfirmer([](QWidget*, const QString&, const QString&) { return true; });
        QSignalSpy errors(page.get(), &ConsolePage::errorOccurred);
        QVERIFY(selectRole(*page, QStringLiteral("admin")));
        QTest::mouseClick(child<QPushButton>(*page, "deleteRoleButton"), Qt::LeftButton);
        QVERIFY(errors.wait(10000));
        QVERIFY2(page->errorText().contains(QStringLiteral("cannot be deleted")), qPrintable(page->errorText()));
        QVERIFY(page->errorText().contains(QStringLiteral("request id: ")));
        QVERIFY(child<QLabel>(*page, "rolesError")->isVisible());
        QVERIFY(!serverRole(QStringLiteral("admin")).isEmpty());
    }

    void roleInUseNeedsForce()
    {
        QVERIFY(post(m_server.admin(), QStringLiteral("/api/v1/admin/roles"),
                     {{QStringLiteral("name"), QStringLiteral("night-shift")},
                      {QStringLiteral("permissions"), QJsonArray{QStringLiteral("audit.read")}}})
                    .ok);
        const QString userId = m_server.createUser(QStringLiteral("nora@example.com"), {}, {QStringLiteral("night-shift")});
        QVERIFY(!userId.isEmpty());
        auto page = openPage();
        QVERIFY(page);
        QStringList questions;
        bool force = false;
        page->setConfirmer([&questions, &force](QWidget*, const QString&, const QString& question) {
            questions.append(question);
            return questions.size() == 1 || force; // yes to "delete?", then the "in use" answer under test
        });
        QVERIFY(selectRole(*page, QStringLiteral("night-shift")));
        QTest::mouseClick(child<QPushButton>(*page, "deleteRoleButton"), Qt::LeftButton);
        QTRY_COMPARE(questions.size(), 2);
        QVERIFY2(questions.at(1).contains(QStringLiteral("1 user")), qPrintable(questions.at(1)));
        QVERIFY(questions.at(1).contains(QStringLiteral("request id: ")));
        QVERIFY(page->errorText().contains(QStringLiteral("request id: ")));
        QVERIFY(!serverRole(QStringLiteral("night-shift")).isEmpty()); // declined: kept

        questions.clear();
        force = true;
        QSignalSpy finished(page.get(), &RolesPage::actionFinished);
        QTest::mouseClick(child<QPushButton>(*page, "deleteRoleButton"), Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QCOMPARE(questions.size(), 2);
        QVERIFY(serverRole(QStringLiteral("night-shift")).isEmpty());
        QVERIFY(!m_server.user(userId).value(QStringLiteral("roles")).toArray().contains(QStringLiteral("night-shift")));
        QTRY_VERIFY(page->errorText().isEmpty());
    }
};

QTEST_MAIN(TestConsoleRoles)
#include "tst_console_roles.moc"
