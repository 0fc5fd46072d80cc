#include "console/views/UsersPage.h"

#include "console/api/AdminClient.h"
#include "console/models/UserTableModel.h"
#include "console/views/CreateUserDialog.h"
#include "console/views/UserDetailPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace authshield::console {

UsersPage::UsersPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_client(std::make_unique<AdminClient>(api))
    , m_model(new UserTableModel(api, this))
    , m_search(new QLineEdit(this))
    , m_status(new QComboBox(this))
    , m_role(new QComboBox(this))
    , m_total(new QLabel(this))
    , m_create(new QPushButton(tr("New user…"), this))
    , m_table(new QTableView(this))
    , m_detail(new UserDetailPanel(api, this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_debounce(new QTimer(this))
{
    setObjectName(QStringLiteral("usersPage"));
    m_search->setObjectName(QStringLiteral("userSearch"));
    m_search->setPlaceholderText(tr("Search email or name (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_status->setObjectName(QStringLiteral("userStatusFilter"));
    m_status->addItem(tr("All statuses"), QString());
    m_status->addItem(tr("Active"), QStringLiteral("active"));
    m_status->addItem(tr("Disabled"), QStringLiteral("disabled"));
    m_status->addItem(tr("Locked"), QStringLiteral("locked"));
    m_status->addItem(tr("Unverified"), QStringLiteral("unverified"));
    m_role->setObjectName(QStringLiteral("userRoleFilter"));
    m_role->addItem(tr("All roles"), QString());
    m_total->setObjectName(QStringLiteral("userTotal"));
    m_create->setObjectName(QStringLiteral("createUserButton"));

    m_table->setObjectName(QStringLiteral("userTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    // Fixed row heights: the view never measures rows, so deep scrolling stays cheap.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSortIndicator(UserTableModel::CreatedColumn, Qt::DescendingOrder);
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    m_table->horizontalHeader()->setSectionsClickable(true);
    m_table->horizontalHeader()->setToolTip(tr("Click Email or Created to sort"));
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_search, 2);
    filters->addWidget(m_status);
    filters->addWidget(m_role);
    filters->addWidget(m_total, 1);
    filters->addWidget(m_create);
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_splitter, 1);

    connect(m_search, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_debounce, &QTimer::timeout, this, &UsersPage::applyQuery);
    connect(m_search, &QLineEdit::returnPressed, this, [this]() {
        m_debounce->stop();
        applyQuery();
    });
    connect(m_status, &QComboBox::currentIndexChanged, this, &UsersPage::applyQuery);
    connect(m_role, &QComboBox::currentIndexChanged, this, &UsersPage::applyQuery);
    // Only the two server-side sort keys are offered; other columns keep the current order.
    connect(m_table->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int section) {
        if (section != UserTableModel::EmailColumn && section != UserTableModel::CreatedColumn) {
            const UserQuery& query = m_model->query();
            m_table->horizontalHeader()->setSortIndicator(
                query.sortByEmail ? UserTableModel::EmailColumn : UserTableModel::CreatedColumn,
                query.ascending ? Qt::AscendingOrder : Qt::DescendingOrder);
            return;
        }
        m_model->sort(section, m_table->horizontalHeader()->sortIndicatorOrder());
    });
    connect(m_model, &UserTableModel::totalChanged, this, &UsersPage::showTotal);
    connect(m_model, &UserTableModel::loadingChanged, this, &ConsolePage::busyChanged);
    connect(m_model, &UserTableModel::failed, this, &ConsolePage::errorOccurred);
    connect(m_model, &QAbstractItemModel::modelReset, m_detail, &UserDetailPanel::clear);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &UsersPage::selectionChanged);
    connect(m_create, &QPushButton::clicked, this, &UsersPage::openCreateDialog);
    connect(m_detail, &UserDetailPanel::userLoaded, m_model, &UserTableModel::replaceUser);
    connect(m_detail, &UserDetailPanel::userDeleted, m_model, &UserTableModel::removeUser);
    connect(m_detail, &UserDetailPanel::errorOccurred, this, &ConsolePage::errorOccurred);
    connect(m_detail, &UserDetailPanel::statusMessage, this, &ConsolePage::statusMessage);
    connect(m_detail, &UserDetailPanel::busyChanged, this, &ConsolePage::busyChanged);
    showTotal(-1);
}

UsersPage::~UsersPage() = default;

void UsersPage::refresh()
{
    loadRoles();
    m_debounce->stop();
    m_started = false; // F5 always reads again, even when nothing changed
    applyQuery();
}

void UsersPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void UsersPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("users/header"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("users/splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("users/status"), m_status->currentData());
}

void UsersPage::restoreState(QSettings& settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("users/header")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("users/splitter")).toByteArray());
    const int status = m_status->findData(settings.value(QStringLiteral("users/status")).toString());
    if (status >= 0) {
        const QSignalBlocker blocker(m_status); // refresh() loads; restoring must not start a request of its own
        m_status->setCurrentIndex(status);
    }
}

void UsersPage::setConfirmer(Confirmer confirmer)
{
    m_detail->setConfirmer(std::move(confirmer));
}

void UsersPage::setSearchDelay(int milliseconds)
{
    m_debounce->setInterval(milliseconds);
}

CreateUserDialog* UsersPage::openCreateDialog()
{
    auto* dialog = new CreateUserDialog(api(), m_roleNames, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CreateUserDialog::userCreated, this, [this](const AdminUser& user) {
        Q_EMIT statusMessage(tr("%1 is created.").arg(user.email));
        m_model->reload();
    });
    dialog->open();
    return dialog;
}

void UsersPage::applyQuery()
{
    UserQuery query = m_model->query();
    query.search = m_search->text().trimmed();
    query.status = m_status->currentData().toString();
    query.role = m_role->currentData().toString();
    if (m_started && query == m_model->query())
        return;
    m_started = true;
    m_model->setQuery(query);
}

void UsersPage::loadRoles()
{
    m_client->listRoles(
        this,
        [this](const QList<AdminRole>& roles) {
            m_roleNames.clear();
            for (const AdminRole& role : roles)
                m_roleNames.append(role.name);
            const QString current = m_role->currentData().toString();
            const QSignalBlocker blocker(m_role);
            m_role->clear();
            m_role->addItem(tr("All roles"), QString());
            for (const QString& name : std::as_const(m_roleNames))
                m_role->addItem(name, name);
            m_role->setCurrentIndex(std::max(0, m_role->findData(current)));
            m_detail->setRoleNames(m_roleNames);
        },
        [this](const ApiError& error) { Q_EMIT errorOccurred(error); });
}

void UsersPage::showTotal(qint64 total)
{
    if (total < 0)
        m_total->setText(tr("counting…"));
    else
        m_total->setText(total == 1 ? tr("1 user") : tr("%1 users").arg(QLocale().toString(total)));
}

void UsersPage::selectionChanged()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_detail->clear();
        return;
    }
    const QString id = rows.first().data(UserTableModel::UserIdRole).toString();
    if (id != m_detail->userId())
        m_detail->showUser(id);
}

} // namespace authshield::console
