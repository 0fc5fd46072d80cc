#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

#include <functional>

namespace authshield::console {

// A read-only table over a JSON array of objects: each column names a key and says how to show its value.
// Enough for the short lists of the shell's screens (signing keys, SMTP test steps); long lists have their own
// paging models.
class JsonTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    struct Column
    {
        QString header;
        std::function<QVariant(const QJsonObject& row, int role)> data;
    };

    JsonTableModel(QList<Column> columns, QObject* parent);

    void setRows(const QJsonArray& rows);
    QJsonObject rowObject(int row) const { return m_rows.value(row); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Common columns: the key's value as text (role Display) and a time in epoch ms or ISO text as local time.
    static Column text(const QString& header, const QString& key);
    static Column time(const QString& header, const QString& key);

private:
    QList<Column> m_columns;
    QList<QJsonObject> m_rows;
};

} // namespace authshield::console
