#include "console/views/RolesPage.h"

#include "console/api/AdminClient.h"
#include "console/models/RolePermissionModel.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace authshield::console {

RolesPage::RolesPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_client(std::make_unique<AdminClient>(api))
    , m_matrix(new RolePermissionModel(this))
    , m_table(new QTableWidget(0, 4, this))
    , m_matrixView(new QTableView(this))
    , m_newName(new QLineEdit(this))
    , m_newDescription(new QLineEdit(this))
    , m_create(new QPushButton(tr("Create role"), this))
    , m_renameTo(new QLineEdit(this))
    , m_rename(new QPushButton(tr("Rename"), this))
    , m_delete(new QPushButton(tr("Delete role…"), this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("rolesPage"));
    m_table->setObjectName(QStringLiteral("roleTable"));
    m_table->setHorizontalHeaderLabels({tr("Role"), tr("Description"), tr("Built-in"), tr("Users")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_matrixView->setObjectName(QStringLiteral("permissionMatrix"));
    m_matrixView->setModel(m_matrix);
    m_matrixView->setSelectionMode(QAbstractItemView::NoSelection);
    m_matrixView->setToolTip(tr("Tick a box to grant the role that permission; it is saved at once."));
    m_newName->setObjectName(QStringLiteral("newRoleName"));
    m_newName->setPlaceholderText(tr("new role name"));
    m_newDescription->setObjectName(QStringLiteral("newRoleDescription"));
    m_newDescription->setPlaceholderText(tr("description"));
    m_create->setObjectName(QStringLiteral("createRoleButton"));
    m_renameTo->setObjectName(QStringLiteral("renameRoleEdit"));
    m_renameTo->setPlaceholderText(tr("new name for the selected role"));
    m_rename->setObjectName(QStringLiteral("renameRoleButton"));
    m_delete->setObjectName(QStringLiteral("deleteRoleButton"));
    m_error->setObjectName(QStringLiteral("rolesError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 4px;"));
    m_error->hide();

    auto* createRow = new QHBoxLayout;
    createRow->addWidget(m_newName);
    createRow->addWidget(m_newDescription, 1);
    createRow->addWidget(m_create);
    auto* selectedRow = new QHBoxLayout;
    selectedRow->addWidget(m_renameTo, 1);
    selectedRow->addWidget(m_rename);
    selectedRow->addStretch();
    selectedRow->addWidget(m_delete);
    auto* matrixBox = new QGroupBox(tr("Permissions (rows) granted to roles (columns)"), this);
    auto* matrixLayout = new QVBoxLayout(matrixBox);
    matrixLayout->addWidget(m_matrixView);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("rolesSplitter"));
    splitter->addWidget(m_table);
    splitter->addWidget(matrixBox);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_error);
    layout->addLayout(createRow);
    layout->addWidget(splitter, 1);
    layout->addLayout(selectedRow);

    connect(m_create, &QPushButton::clicked, this, &RolesPage::createRole);
    connect(m_newName, &QLineEdit::returnPressed, this, &RolesPage::createRole);
    connect(m_rename, &QPushButton::clicked, this, &RolesPage::renameRole);
    connect(m_delete, &QPushButton::clicked, this, [this]() { deleteRole(false); });
    connect(m_matrix, &RolePermissionModel::permissionsEdited, this, &RolesPage::savePermissions);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this]() {
        const bool selected = !selectedRole().isEmpty();
        m_rename->setEnabled(selected);
        m_delete->setEnabled(selected);
        m_renameTo->setText(selectedRole());
    });
    m_rename->setEnabled(false);
    m_delete->setEnabled(false);
}

RolesPage::~RolesPage() = default;

void RolesPage::refresh()
{
    // Roles and permissions load side by side; the matrix is rebuilt once both are in. A newer refresh drops the
    // older one's answers.
    const quint64 generation = ++m_generation;
    if (m_loading == 0)
        Q_EMIT busyChanged(true);
    m_loading = 2;
    const auto arrived = [this]() {
        if (--m_loading > 0)
            return;
        Q_EMIT busyChanged(false);
        showRoles();
        Q_EMIT loaded();
    };
    m_client->listRoles(
        this,
        [this, arrived, generation](const QList<AdminRole>& roles) {
            if (generation != m_generation)
                return;
            m_roles = roles;
            arrived();
        },
        [this, arrived, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            refused(error);
            arrived();
        });
    m_client->listPermissions(
        this,
        [this, arrived, generation](const QList<AdminPermission>& permissions) {
            if (generation != m_generation)
                return;
            m_permissions = permissions;
            arrived();
        },
        [this, arrived, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            refused(error);
            arrived();
        });
}

void RolesPage::showRoles()
{
    const QString keep = m_select.isEmpty() ? selectedRole() : m_select;
    m_select.clear();
    m_table->setRowCount(static_cast<int>(m_roles.size()));
    for (int row = 0; row < m_roles.size(); ++row) {
        const AdminRole& role = m_roles.at(row);
        m_table->setItem(row, 0, new QTableWidgetItem(role.name));
        m_table->setItem(row, 1, new QTableWidgetItem(role.description));
        m_table->setItem(row, 2, new QTableWidgetItem(role.builtin ? tr("yes") : QString()));
        auto* users = new QTableWidgetItem(QString::number(role.userCount));
        users->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(row, 3, users);
        if (role.name == keep)
            m_table->selectRow(row);
    }
    m_matrix->setCatalogue(m_roles, m_permissions);
}

QString RolesPage::selectedRole() const
{
    const QList<QTableWidgetItem*> items = m_table->selectedItems();
    return items.isEmpty() ? QString() : m_table->item(items.first()->row(), 0)->text();
}

QString RolesPage::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void RolesPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("roles/header"), m_table->horizontalHeader()->saveState());
}

void RolesPage::restoreState(QSettings& settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("roles/header")).toByteArray());
}

void RolesPage::createRole()
{
    const QString name = m_newName->text().trimmed();
    m_client->createRole(
        name, m_newDescription->text().trimmed(), {}, this,
        [this, name]() {
            m_newName->clear();
            m_newDescription->clear();
            succeeded(tr("Role %1 is created; tick its permissions in the matrix.").arg(name), name);
        },
        [this](const ApiError& error) { refused(error); });
}

void RolesPage::renameRole()
{
    const QString from = selectedRole();
    const QString to = m_renameTo->text().trimmed();
    if (from.isEmpty() || to == from)
        return;
    m_client->updateRole(
        from, {{QStringLiteral("new_name"), to}}, this,
        [this, from, to]() { succeeded(tr("Role %1 is now called %2.").arg(from, to), to); },
        [this](const ApiError& error) { refused(error); });
}

void RolesPage::deleteRole(bool force)
{
    const QString name = selectedRole();
    if (name.isEmpty())
        return;
    if (!force && !m_confirmer(this, tr("Delete role"), tr("Delete the role %1?").arg(name)))
        return;
    m_client->deleteRole(
        name, force, this, [this, name]() { succeeded(tr("Role %1 is deleted.").arg(name)); },
        [this, name](const ApiError& error) {
            refused(error);
            if (error.code != QStringLiteral("role_in_use"))
                return;
            int users = 0;
            for (const AdminRole& role : std::as_const(m_roles)) {
                if (role.name == name)
                    users = role.userCount;
            }
            if (m_confirmer(this, tr("Role in use"),
                            tr("%1\n\nTake the role %2 away from its %n user(s) and delete it anyway?", nullptr, users)
                                .arg(error.displayText(), name)))
                deleteRole(true);
        });
}

void RolesPage::savePermissions(const QString& role, const QStringList& permissions)
{
    m_client->updateRole(
        role, {{QStringLiteral("permissions"), QJsonArray::fromStringList(permissions)}}, this,
        [this, role]() { succeeded(tr("Permissions of %1 are saved.").arg(role), role); },
        [this](const ApiError& error) {
            refused(error);
            refresh(); // the matrix shows what the server kept, not the refused click
        });
}

void RolesPage::refused(const ApiError& error)
{
    m_error->setText(error.displayText());
    m_error->show();
    Q_EMIT errorOccurred(error);
}

void RolesPage::succeeded(const QString& message, const QString& select)
{
    m_error->hide();
    m_error->clear();
    m_select = select;
    Q_EMIT statusMessage(message);
    Q_EMIT actionFinished(message);
    refresh();
}

} // namespace authshield::console
