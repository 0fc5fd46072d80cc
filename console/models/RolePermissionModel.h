#pragma once

#include "console/models/AdminRecords.h"

#include <QAbstractTableModel>

namespace authshield::console {

// The roles × permissions matrix: one row per permission, one checkable column per role. A click changes the
// local copy at once and announces the role's new permission list; the page sends it and reverts on refusal.
class RolePermissionModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    explicit RolePermissionModel(QObject* parent);

    void setCatalogue(const QList<AdminRole>& roles, const QList<AdminPermission>& permissions);
    void setRolePermissions(const QString& role, const QStringList& permissions);
    const QList<AdminRole>& roles() const { return m_roles; }
    const QList<AdminPermission>& permissions() const { return m_permissions; }
    int columnOf(const QString& role) const;
    int rowOf(const QString& permission) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void permissionsEdited(const QString& role, const QStringList& permissions);

private:
    QList<AdminRole> m_roles;
    QList<AdminPermission> m_permissions;
};

} // namespace authshield::console
