#pragma once

#include "console/models/AdminRecords.h"
#include "console/views/ConsolePage.h"
#include "console/views/Confirmer.h"

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;

namespace authshield::console {

class AdminClient;
class RolePermissionModel;

// Roles: the list with user counts, a roles × permissions check box matrix (each click saved at once), create,
// rename and delete. The server's refusals (a builtin role, a role still assigned) are shown in words; a role in
// use can be deleted anyway after a second, explicit confirmation.
class RolesPage : public ConsolePage
{
    Q_OBJECT

public:
    RolesPage(ApiClient* api, QWidget* parent);
    ~RolesPage() override;

    QString title() const override { return tr("Roles"); }
    void refresh() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    void setConfirmer(Confirmer confirmer) { m_confirmer = std::move(confirmer); }
    RolePermissionModel* matrix() const { return m_matrix; }
    QString selectedRole() const;
    QString errorText() const;

Q_SIGNALS:
    void loaded(); // roles and permissions arrived
    void actionFinished(const QString& message);

private:
    void showRoles();
    void createRole();
    void renameRole();
    void deleteRole(bool force);
    void savePermissions(const QString& role, const QStringList& permissions);
    void refused(const ApiError& error);
    void succeeded(const QString& message, const QString& select = {});

    std::unique_ptr<AdminClient> m_client;
    Confirmer m_confirmer = messageBoxConfirmer();
    RolePermissionModel* m_matrix;
    QList<AdminRole> m_roles;
    QList<AdminPermission> m_permissions;
    QString m_select; // the role to select after the next load
    int m_loading = 0;
    quint64 m_generation = 0;

    QTableWidget* m_table;
    QTableView* m_matrixView;
    QLineEdit* m_newName;
    QLineEdit* m_newDescription;
    QPushButton* m_create;
    QLineEdit* m_renameTo;
    QPushButton* m_rename;
    QPushButton* m_delete;
    QLabel* m_error;
};

} // namespace authshield::console
