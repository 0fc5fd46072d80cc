#include "console/models/SessionTableModel.h"

#include <QLocale>

namespace authshield::console {

SessionTableModel::SessionTableModel(ApiClient* api, QObject* parent)
    : QAbstractTableModel(parent)
    , m_client(api)
{
}

void SessionTableModel::reload()
{
    ++m_generation;
    beginResetModel();
    m_sessions.clear();
    m_cursor.clear();
    m_complete = false;
    m_fetching = false;
    m_now = QDateTime::currentDateTimeUtc();
    endResetModel();
    fetchPage();
}

void SessionTableModel::fetchPage()
{
    if (m_fetching || m_complete)
        return;
    m_fetching = true;
    const quint64 generation = m_generation;
    m_client.listSessions(
        {}, m_pageSize, m_cursor, this,
        [this, generation](const AdminPage<AdminSession>& page) {
            if (generation != m_generation)
                return;
            if (!page.items.isEmpty()) {
                beginInsertRows({}, static_cast<int>(m_sessions.size()),
                                static_cast<int>(m_sessions.size() + page.items.size()) - 1);
                m_sessions.append(page.items);
                endInsertRows();
            }
            m_cursor = page.nextCursor;
            m_complete = page.nextCursor.isEmpty();
            m_fetching = false;
            Q_EMIT pageLoaded(static_cast<int>(m_sessions.size()));
        },
        [this, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            m_complete = true;
            m_fetching = false;
            Q_EMIT failed(error);
        });
}

void SessionTableModel::removeSession(const QString& id)
{
    for (int row = 0; row < m_sessions.size(); ++row) {
        if (m_sessions.at(row).id == id) {
            beginRemoveRows({}, row, row);
            m_sessions.removeAt(row);
            endRemoveRows();
            return;
        }
    }
}

int SessionTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_sessions.size());
}

int SessionTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SessionTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AdminSession& session = m_sessions.at(index.row());
    if (role == SessionIdRole)
        return session.id;
    if (role == Qt::ToolTipRole) {
        if (index.column() == DeviceColumn)
            return session.userAgent;
        if (index.column() == StartedColumn)
            return QLocale().toString(session.createdAt.toLocalTime(), QLocale::LongFormat);
        if (index.column() == LastSeenColumn)
            return QLocale().toString(session.lastSeenAt.toLocalTime(), QLocale::LongFormat);
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case UserColumn:
        return session.userEmail.isEmpty() ? session.userId : session.userEmail;
    case DeviceColumn:
        return session.device.isEmpty() ? session.userAgent : session.device;
    case IpColumn:
        return session.ip;
    case StartedColumn:
        return relativeAge(session.createdAt, m_now);
    case LastSeenColumn:
        return relativeAge(session.lastSeenAt, m_now);
    default:
        return {};
    }
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case UserColumn:
        return tr("User");
    case DeviceColumn:
        return tr("Device");
    case IpColumn:
        return tr("IP");
    case StartedColumn:
        return tr("Age");
    case LastSeenColumn:
        return tr("Last seen");
    default:
        return {};
    }
}

bool SessionTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_complete && !m_fetching && !m_sessions.isEmpty();
}

void SessionTableModel::fetchMore(const QModelIndex& parent)
{
    if (!parent.isValid())
        fetchPage();
}

} // namespace authshield::console
