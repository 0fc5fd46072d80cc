#pragma once

#include "console/api/AdminClient.h"

#include <QAbstractTableModel>

namespace authshield::console {

// Audit events newest first, paged by cursor as the view scrolls. In follow mode pollNewest() prepends what arrived
// since the newest row; the list is then bounded (the oldest rows fall off and scrolling back stops until reload).
class AuditTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, TypeColumn, OutcomeColumn, ActorColumn, SubjectColumn, IpColumn, ColumnCount };
    static constexpr int SeqRole = Qt::UserRole + 1;

    AuditTableModel(ApiClient* api, QObject* parent);

    void setFilter(const AuditFilter& filter);
    const AuditFilter& filter() const { return m_filter; }
    void reload();
    void pollNewest();
    void setPageSize(int rows) { m_pageSize = rows; }
    void setFollowLimit(int rows) { m_followLimit = rows; }
    bool isLoading() const { return m_fetching; }
    const AuditRecord& record(int row) const { return m_records.at(row); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

Q_SIGNALS:
    void pageLoaded(int rows);
    void newestPrepended(int added);
    void failed(const authshield::console::ApiError& error);

private:
    void fetchPage();
    void prepend(const AdminPage<AuditRecord>& page);

    AdminClient m_client;
    AuditFilter m_filter;
    QList<AuditRecord> m_records;
    QString m_cursor;
    bool m_complete = false;
    bool m_fetching = false;
    bool m_polling = false;
    quint64 m_generation = 0;
    int m_pageSize = 100;
    int m_followLimit = 5000;
};

} // namespace authshield::console
