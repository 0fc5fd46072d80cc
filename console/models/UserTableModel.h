#pragma once

#include "console/api/AdminClient.h"

#include <QAbstractTableModel>

namespace authshield::console {

// The users list, read from the server a page at a time (keyset cursors) as the view scrolls: it never holds more
// than the rows the user scrolled past, so a million users cost no more than the first page. Searching, filtering
// and sorting happen on the server; answers to a query that has since changed are dropped.
class UserTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { EmailColumn, NameColumn, StatusColumn, RolesColumn, CreatedColumn, LastLoginColumn, ColumnCount };
    static constexpr int UserIdRole = Qt::UserRole + 1;

    UserTableModel(ApiClient* api, QObject* parent);

    void setQuery(const UserQuery& query); // starts over with the first page and a new total
    const UserQuery& query() const { return m_query; }
    void reload() { load(); }
    void setPageSize(int rows) { m_pageSize = rows; }

    qint64 total() const { return m_total; } // -1 until the server counted
    bool isLoading() const { return m_fetching; }
    const AdminUser& user(int row) const { return m_users.at(row); }
    int rowOf(const QString& id) const;
    void replaceUser(const AdminUser& user); // the detail panel's fresher copy
    void removeUser(const QString& id);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    void sort(int column, Qt::SortOrder order) override; // email and created sort on the server; others ignored

Q_SIGNALS:
    void totalChanged(qint64 total);
    void loadingChanged(bool loading);
    void pageLoaded(int rows); // rows now held
    void failed(const authshield::console::ApiError& error);

private:
    void load();
    void fetchPage();
    void setFetching(bool fetching);

    AdminClient m_client;
    UserQuery m_query;
    QList<AdminUser> m_users;
    QString m_cursor;
    bool m_complete = false;
    bool m_fetching = false;
    qint64 m_total = -1;
    quint64 m_generation = 0;
    int m_pageSize = 100;
};

} // namespace authshield::console
