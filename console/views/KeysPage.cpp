#include "console/views/KeysPage.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/models/JsonTableModel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QVBoxLayout>

namespace authshield::console {

KeysPage::KeysPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_model(new JsonTableModel({JsonTableModel::text(QStringLiteral("Key id"), QStringLiteral("kid")),
                                  JsonTableModel::text(QStringLiteral("Algorithm"), QStringLiteral("alg")),
                                  JsonTableModel::time(QStringLiteral("Created"), QStringLiteral("created_at")),
                                  JsonTableModel::text(QStringLiteral("Status"), QStringLiteral("status"))},
                                 this))
{
    auto* layout = new QVBoxLayout(this);
    auto* hint = new QLabel(QStringLiteral("Tokens are signed with the current key. After a rotation the previous "
                                           "key keeps verifying tokens until they expire."),
                            this);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("keysTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_table, 1);
    auto* buttons = new QHBoxLayout;
    m_rotateButton = new QPushButton(QStringLiteral("&Rotate signing key…"), this);
    m_rotateButton->setObjectName(QStringLiteral("rotateKeyButton"));
    buttons->addStretch(1);
    buttons->addWidget(m_rotateButton);
    layout->addLayout(buttons);
    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this, QStringLiteral("Rotate the signing key"), question,
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
               == QMessageBox::Yes;
    };
    connect(m_rotateButton, &QPushButton::clicked, this, &KeysPage::rotate);
}

void KeysPage::refresh()
{
    Q_EMIT busyChanged(true);
    api()->send("GET", QStringLiteral("/api/v1/admin/keys"), {}, {}, this,
                [this](const QJsonDocument& body, int) {
                    Q_EMIT busyChanged(false);
                    m_model->setRows(body.object().value(QStringLiteral("items")).toArray());
                },
                [this](const ApiError& error) {
                    Q_EMIT busyChanged(false);
                    Q_EMIT errorOccurred(error);
                });
}

void KeysPage::rotate()
{
    if (!m_confirm(QStringLiteral("Make a new signing key current? New tokens are signed with it at once; the "
                                  "current key keeps verifying existing tokens until they expire.")))
        return;
    m_rotateButton->setEnabled(false);
    api()->send("POST", QStringLiteral("/api/v1/admin/keys/rotate"), {}, QJsonDocument(QJsonObject{}), this,
                [this](const QJsonDocument& body, int) {
                    m_rotateButton->setEnabled(true);
                    const QString kid = body.object().value(QStringLiteral("kid")).toString();
                    Q_EMIT statusMessage(kid.isEmpty() ? QStringLiteral("The signing key was rotated.")
                                                       : QStringLiteral("The signing key was rotated; the new key is %1.").arg(kid));
                    refresh();
                },
                [this](const ApiError& error) {
                    m_rotateButton->setEnabled(true);
                    Q_EMIT errorOccurred(error);
                });
}

void KeysPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("columns"), m_table->horizontalHeader()->saveState());
}

void KeysPage::restoreState(QSettings& settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("columns")).toByteArray());
}

} // namespace authshield::console
