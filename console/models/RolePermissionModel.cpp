#include "console/models/RolePermissionModel.h"

namespace authshield::console {

RolePermissionModel::RolePermissionModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RolePermissionModel::setCatalogue(const QList<AdminRole>& roles, const QList<AdminPermission>& permissions)
{
    beginResetModel();
    m_roles = roles;
    m_permissions = permissions;
    endResetModel();
}

void RolePermissionModel::setRolePermissions(const QString& role, const QStringList& permissions)
{
    const int column = columnOf(role);
    if (column < 0)
        return;
    m_roles[column].permissions = permissions;
    if (!m_permissions.isEmpty())
        Q_EMIT dataChanged(index(0, column), index(static_cast<int>(m_permissions.size()) - 1, column),
                           {Qt::CheckStateRole});
}

int RolePermissionModel::columnOf(const QString& role) const
{
    for (int column = 0; column < m_roles.size(); ++column) {
        if (m_roles.at(column).name == role)
            return column;
    }
    return -1;
}

int RolePermissionModel::rowOf(const QString& permission) const
{
    for (int row = 0; row < m_permissions.size(); ++row) {
        if (m_permissions.at(row).name == permission)
            return row;
    }
    return -1;
}

int RolePermissionModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_permissions.size());
}

int RolePermissionModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_roles.size());
}

QVariant RolePermissionModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AdminRole& adminRole = m_roles.at(index.column());
    const AdminPermission& permission = m_permissions.at(index.row());
    if (role == Qt::CheckStateRole)
        return adminRole.permissions.contains(permission.name) ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ToolTipRole)
        return tr("%1 — %2").arg(adminRole.name, permission.name);
    return {};
}

bool RolePermissionModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::CheckStateRole
        || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    AdminRole& adminRole = m_roles[index.column()];
    const QString& permission = m_permissions.at(index.row()).name;
    const bool granted = value.toInt() == Qt::Checked;
    if (granted == adminRole.permissions.contains(permission))
        return true;
    if (granted)
        adminRole.permissions.append(permission);
    else
        adminRole.permissions.removeAll(permission);
    Q_EMIT dataChanged(index, index, {Qt::CheckStateRole});
    Q_EMIT permissionsEdited(adminRole.name, adminRole.permissions);
    return true;
}

Qt::ItemFlags RolePermissionModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable;
}

QVariant RolePermissionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::DisplayRole) {
        if (orientation == Qt::Horizontal && section >= 0 && section < m_roles.size())
            return m_roles.at(section).name;
        if (orientation == Qt::Vertical && section >= 0 && section < m_permissions.size())
            return m_permissions.at(section).name;
    }
    if (role == Qt::ToolTipRole) {
        if (orientation == Qt::Horizontal && section >= 0 && section < m_roles.size())
            return m_roles.at(section).description;
        if (orientation == Qt::Vertical && section >= 0 && section < m_permissions.size())
            return m_permissions.at(section).description;
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

} // namespace authshield::console
