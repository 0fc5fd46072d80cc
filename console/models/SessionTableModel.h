#pragma once

#include "console/api/AdminClient.h"

#include <QAbstractTableModel>

namespace authshield::console {

// Active sessions of every user, a page at a time as the view scrolls; ages are relative to the last load.
class SessionTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { UserColumn, DeviceColumn, IpColumn, StartedColumn, LastSeenColumn, ColumnCount };
    static constexpr int SessionIdRole = Qt::UserRole + 1;

    SessionTableModel(ApiClient* api, QObject* parent);

    void reload();
    void setPageSize(int rows) { m_pageSize = rows; }
    bool isLoading() const { return m_fetching; }
    const AdminSession& session(int row) const { return m_sessions.at(row); }
    void removeSession(const QString& id);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

Q_SIGNALS:
    void pageLoaded(int rows);
    void failed(const authshield::console::ApiError& error);

private:
    void fetchPage();

    AdminClient m_client;
    QList<AdminSession> m_sessions;
    QString m_cursor;
    QDateTime m_now;
    bool m_complete = false;
    bool m_fetching = false;
    quint64 m_generation = 0;
    int m_pageSize = 100;
};

} // namespace authshield::console
