#include "console/models/JsonTableModel.h"

#include <QDateTime>
#include <QLocale>

namespace authshield::console {

JsonTableModel::JsonTableModel(QList<Column> columns, QObject* parent)
    : QAbstractTableModel(parent)
    , m_columns(std::move(columns))
{
}

void JsonTableModel::setRows(const QJsonArray& rows)
{
    beginResetModel();
    m_rows.clear();
    for (const QJsonValue& row : rows)
        m_rows.append(row.toObject());
    endResetModel();
}

int JsonTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int JsonTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant JsonTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return m_columns.at(index.column()).data(m_rows.at(index.row()), role);
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= m_columns.size())
        return {};
    return m_columns.at(section).header;
}

JsonTableModel::Column JsonTableModel::text(const QString& header, const QString& key)
{
    return Column{header, [key](const QJsonObject& row, int role) -> QVariant {
                      if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
                          return {};
                      const QJsonValue value = row.value(key);
                      if (value.isDouble())
                          return QLocale().toString(value.toInteger());
                      if (value.isBool())
                          return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
                      return value.toString();
                  }};
}

JsonTableModel::Column JsonTableModel::time(const QString& header, const QString& key)
{
    return Column{header, [key](const QJsonObject& row, int role) -> QVariant {
                      if (role != Qt::DisplayRole)
                          return {};
                      const QJsonValue value = row.value(key);
                      const QDateTime at = value.isString()
                                               ? QDateTime::fromString(value.toString(), Qt::ISODate)
                                               : QDateTime::fromMSecsSinceEpoch(value.toInteger());
                      return at.isValid() ? QLocale().toString(at.toLocalTime(), QLocale::ShortFormat) : QString();
                  }};
}

} // namespace authshield::console
