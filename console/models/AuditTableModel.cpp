#include "console/models/AuditTableModel.h"

#include <QLocale>

namespace authshield::console {

AuditTableModel::AuditTableModel(ApiClient* api, QObject* parent)
    : QAbstractTableModel(parent)
    , m_client(api)
{
}

void AuditTableModel::setFilter(const AuditFilter& filter)
{
    m_filter = filter;
    reload();
}

void AuditTableModel::reload()
{
    ++m_generation;
    beginResetModel();
    m_records.clear();
    m_cursor.clear();
    m_complete = false;
    m_fetching = false;
    m_polling = false;
    endResetModel();
    fetchPage();
}

void AuditTableModel::fetchPage()
{
    if (m_fetching || m_complete)
        return;
    m_fetching = true;
    const quint64 generation = m_generation;
    m_client.listAudit(
        m_filter, m_pageSize, m_cursor, this,
        [this, generation](const AdminPage<AuditRecord>& page) {
            if (generation != m_generation)
                return;
            if (!page.items.isEmpty()) {
                beginInsertRows({}, static_cast<int>(m_records.size()),
                                static_cast<int>(m_records.size() + page.items.size()) - 1);
                m_records.append(page.items);
                endInsertRows();
            }
            m_cursor = page.nextCursor;
            m_complete = page.nextCursor.isEmpty();
            m_fetching = false;
            Q_EMIT pageLoaded(static_cast<int>(m_records.size()));
        },
        [this, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            m_complete = true;
            m_fetching = false;
            Q_EMIT failed(error);
        });
}

void AuditTableModel::pollNewest()
{
    if (m_polling || m_fetching)
        return;
    if (m_records.isEmpty()) {
        reload();
        return;
    }
    m_polling = true;
    const quint64 generation = m_generation;
    m_client.listAudit(
        m_filter, m_pageSize, {}, this,
        [this, generation](const AdminPage<AuditRecord>& page) {
            if (generation != m_generation)
                return;
            m_polling = false;
            prepend(page);
        },
        [this, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            m_polling = false;
            Q_EMIT failed(error);
        });
}

void AuditTableModel::prepend(const AdminPage<AuditRecord>& page)
{
    const qint64 newest = m_records.isEmpty() ? 0 : m_records.first().seq;
    QList<AuditRecord> fresh;
    for (const AuditRecord& record : page.items) {
        if (record.seq <= newest)
            break;
        fresh.append(record);
    }
    if (fresh.size() == page.items.size() && !page.nextCursor.isEmpty()) {
        // More arrived than one page holds: a gap would hide events, so start over from the newest.
        reload();
        return;
    }
    if (fresh.isEmpty())
        return;
    beginInsertRows({}, 0, static_cast<int>(fresh.size()) - 1);
    m_records = fresh + m_records;
    endInsertRows();
    if (m_records.size() > m_followLimit) {
        beginRemoveRows({}, m_followLimit, static_cast<int>(m_records.size()) - 1);
        m_records.resize(m_followLimit);
        endRemoveRows();
        m_complete = true; // the cursor pointed past rows that are gone
    }
    Q_EMIT newestPrepended(static_cast<int>(fresh.size()));
}

int AuditTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_records.size());
}

int AuditTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditRecord& record = m_records.at(index.row());
    if (role == SeqRole)
        return record.seq;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return QLocale().toString(record.time.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case TypeColumn:
        return record.type;
    case OutcomeColumn:
        return record.outcome;
    case ActorColumn:
        return record.actorId;
    case SubjectColumn:
        return record.subjectId;
    case IpColumn:
        return record.ip;
    default:
        return {};
    }
}

QVariant AuditTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case TypeColumn:
        return tr("Type");
    case OutcomeColumn:
        return tr("Outcome");
    case ActorColumn:
        return tr("Actor");
    case SubjectColumn:
        return tr("Subject");
    case IpColumn:
        return tr("IP");
    default:
        return {};
    }
}

bool AuditTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_complete && !m_fetching && !m_records.isEmpty();
}

void AuditTableModel::fetchMore(const QModelIndex& parent)
{
    if (!parent.isValid())
        fetchPage();
}

} // namespace authshield::console
