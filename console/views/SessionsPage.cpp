#include "console/views/SessionsPage.h"

#include "console/api/AdminClient.h"
#include "console/models/SessionTableModel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QVBoxLayout>

#include <memory>

namespace authshield::console {

SessionsPage::SessionsPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_client(std::make_unique<AdminClient>(api))
    , m_model(new SessionTableModel(api, this))
    , m_table(new QTableView(this))
    , m_revoke(new QPushButton(tr("Revoke selected…"), this))
    , m_summary(new QLabel(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("sessionsPage"));
    m_table->setObjectName(QStringLiteral("sessionTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_revoke->setObjectName(QStringLiteral("revokeSessionsButton"));
    m_revoke->setEnabled(false);
    m_summary->setObjectName(QStringLiteral("sessionSummary"));
    m_error->setObjectName(QStringLiteral("sessionsError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 4px;"));
    m_error->hide();

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_revoke);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_error);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    connect(m_revoke, &QPushButton::clicked, this, &SessionsPage::revokeSelected);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this]() { m_revoke->setEnabled(m_table->selectionModel()->hasSelection()); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this]() { m_revoke->setEnabled(false); });
    connect(m_model, &SessionTableModel::pageLoaded, this, [this](int rows) {
        m_summary->setText(m_model->canFetchMore({}) ? tr("%1 active sessions shown (scroll for more)").arg(rows)
                                                     : tr("%1 active sessions").arg(rows));
    });
    connect(m_model, &SessionTableModel::failed, this, [this](const ApiError& error) {
        m_error->setText(error.displayText());
        m_error->show();
        Q_EMIT errorOccurred(error);
    });
}

SessionsPage::~SessionsPage() = default;

void SessionsPage::refresh()
{
    m_error->hide();
    m_model->reload();
}

QString SessionsPage::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void SessionsPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("sessions/header"), m_table->horizontalHeader()->saveState());
}

void SessionsPage::restoreState(QSettings& settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("sessions/header")).toByteArray());
}

void SessionsPage::revokeSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    QStringList ids;
    QStringList users;
    for (const QModelIndex& row : rows) {
        const AdminSession& session = m_model->session(row.row());
        ids.append(session.id);
        const QString user = session.userEmail.isEmpty() ? session.userId : session.userEmail;
        if (!users.contains(user))
            users.append(user);
    }
    if (!m_confirmer(this, tr("Revoke sessions"),
                     tr("Revoke %n session(s) of %1? Those devices are signed out at once.", nullptr,
                        static_cast<int>(ids.size()))
                         .arg(users.join(QStringLiteral(", ")))))
        return;
    m_error->hide();
    m_revoke->setEnabled(false);
    Q_EMIT busyChanged(true);
    // Shared tally of the parallel revocations; the last answer reports and reloads.
    struct Tally
    {
        int pending = 0;
        int revoked = 0;
        QStringList refusals;
    };
    auto tally = std::make_shared<Tally>();
    tally->pending = static_cast<int>(ids.size());
    const auto settle = [this, tally]() {
        if (--tally->pending > 0)
            return;
        Q_EMIT busyChanged(false);
        if (!tally->refusals.isEmpty()) {
            m_error->setText(tally->refusals.join(QLatin1Char('\n')));
            m_error->show();
        }
        Q_EMIT statusMessage(tr("%n session(s) revoked.", nullptr, tally->revoked));
        Q_EMIT revokeFinished(tally->revoked, static_cast<int>(tally->refusals.size()));
        m_model->reload();
    };
    for (const QString& id : std::as_const(ids)) {
        m_client->revokeSession(
            id, this,
            [this, id, tally, settle]() {
                ++tally->revoked;
                m_model->removeSession(id);
                settle();
            },
            [this, tally, settle](const ApiError& error) {
                tally->refusals.append(error.displayText());
                Q_EMIT errorOccurred(error);
                settle();
            });
    }
}

} // namespace authshield::console
