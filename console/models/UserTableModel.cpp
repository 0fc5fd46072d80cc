#include "console/models/UserTableModel.h"

#include <QLocale>

namespace authshield::console {

UserTableModel::UserTableModel(ApiClient* api, QObject* parent)
    : QAbstractTableModel(parent)
    , m_client(api)
{
}

void UserTableModel::setQuery(const UserQuery& query)
{
    m_query = query;
    load();
}

void UserTableModel::load()
{
    ++m_generation; // answers to the previous query are stale from now on
    beginResetModel();
    m_users.clear();
    m_cursor.clear();
    m_complete = false;
    m_fetching = false;
    endResetModel();
    m_total = -1;
    Q_EMIT totalChanged(m_total);
    const quint64 generation = m_generation;
    m_client.countUsers(
        m_query, this,
        [this, generation](const qint64& total) {
            if (generation != m_generation)
                return;
            m_total = total;
            Q_EMIT totalChanged(total);
        },
        [this, generation](const ApiError& error) {
            if (generation == m_generation)
                Q_EMIT failed(error);
        });
    fetchPage();
}

void UserTableModel::fetchPage()
{
    if (m_fetching || m_complete)
        return;
    setFetching(true);
    const quint64 generation = m_generation;
    m_client.listUsers(
        m_query, m_pageSize, m_cursor, this,
        [this, generation](const AdminPage<AdminUser>& page) {
            if (generation != m_generation)
                return;
            if (!page.items.isEmpty()) {
                beginInsertRows({}, static_cast<int>(m_users.size()),
                                static_cast<int>(m_users.size() + page.items.size()) - 1);
                m_users.append(page.items);
                endInsertRows();
            }
            m_cursor = page.nextCursor;
            m_complete = page.nextCursor.isEmpty();
            setFetching(false);
            Q_EMIT pageLoaded(static_cast<int>(m_users.size()));
        },
        [this, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            // Stop asking for more after a failure; F5 (reload) starts over.
            m_complete = true;
            setFetching(false);
            Q_EMIT failed(error);
        });
}

void UserTableModel::setFetching(bool fetching)
{
    if (m_fetching == fetching)
        return;
    m_fetching = fetching;
    Q_EMIT loadingChanged(fetching);
}

int UserTableModel::rowOf(const QString& id) const
{
    for (int row = 0; row < m_users.size(); ++row) {
        if (m_users.at(row).id == id)
            return row;
    }
    return -1;
}

void UserTableModel::replaceUser(const AdminUser& user)
{
    const int row = rowOf(user.id);
    if (row < 0)
        return;
    m_users[row] = user;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void UserTableModel::removeUser(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_users.removeAt(row);
    endRemoveRows();
    if (m_total > 0)
        Q_EMIT totalChanged(--m_total);
}

int UserTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_users.size());
}

int UserTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UserTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AdminUser& user = m_users.at(index.row());
    if (role == UserIdRole)
        return user.id;
    if (role == Qt::ToolTipRole && index.column() == StatusColumn && user.locked && user.lockedUntil.isValid())
        return tr("Locked until %1").arg(QLocale().toString(user.lockedUntil.toLocalTime(), QLocale::ShortFormat));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case EmailColumn:
        return user.email;
    case NameColumn:
        return user.displayName;
    case StatusColumn: {
        QStringList words{user.status};
        if (user.locked)
            words.append(tr("locked"));
        if (!user.emailVerified)
            words.append(tr("unverified"));
        return words.join(QStringLiteral(", "));
    }
    case RolesColumn:
        return user.roles.join(QStringLiteral(", "));
    case CreatedColumn:
        return QLocale().toString(user.createdAt.toLocalTime(), QLocale::ShortFormat);
    case LastLoginColumn:
        return user.lastLoginAt.isValid()
                   ? QLocale().toString(user.lastLoginAt.toLocalTime(), QLocale::ShortFormat)
                   : tr("never");
    default:
        return {};
    }
}

QVariant UserTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case EmailColumn:
        return tr("Email");
    case NameColumn:
        return tr("Name");
    case StatusColumn:
        return tr("Status");
    case RolesColumn:
        return tr("Roles");
    case CreatedColumn:
        return tr("Created");
    case LastLoginColumn:
        return tr("Last login");
    default:
        return {};
    }
}

bool UserTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_complete && !m_fetching && !m_users.isEmpty();
}

void UserTableModel::fetchMore(const QModelIndex& parent)
{
    if (!parent.isValid())
        fetchPage();
}

void UserTableModel::sort(int column, Qt::SortOrder order)
{
    if (column != EmailColumn && column != CreatedColumn)
        return;
    UserQuery query = m_query;
    query.sortByEmail = column == EmailColumn;
    query.ascending = order == Qt::AscendingOrder;
    if (query == m_query)
        return;
    setQuery(query);
}

} // namespace authshield::console
