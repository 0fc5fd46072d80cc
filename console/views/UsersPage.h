#pragma once

#include "console/views/ConsolePage.h"
#include "console/views/Confirmer.h"

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;
class QTimer;

namespace authshield::console {

class AdminClient;
class CreateUserDialog;
class UserDetailPanel;
class UserTableModel;

// Users: search as you type (debounced, on the server), status and role filters, header sort, endless scrolling
// by keyset pages, the total count, and the selected user's detail panel with every admin action.
class UsersPage : public ConsolePage
{
    Q_OBJECT

public:
    UsersPage(ApiClient* api, QWidget* parent);
    ~UsersPage() override;

    QString title() const override { return tr("Users"); }
    void refresh() override;
    void focusSearch() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    void setConfirmer(Confirmer confirmer);
    void setSearchDelay(int milliseconds);
    CreateUserDialog* openCreateDialog(); // non-modal to the event loop: shown with open()
    UserTableModel* model() const { return m_model; }
    UserDetailPanel* detail() const { return m_detail; }

private:
    void applyQuery();
    void loadRoles();
    void showTotal(qint64 total);
    void selectionChanged();

    std::unique_ptr<AdminClient> m_client;
    UserTableModel* m_model;
    QLineEdit* m_search;
    QComboBox* m_status;
    QComboBox* m_role;
    QLabel* m_total;
    QPushButton* m_create;
    QTableView* m_table;
    UserDetailPanel* m_detail;
    QSplitter* m_splitter;
    QTimer* m_debounce;
    QStringList m_roleNames;
    bool m_started = false;
};

} // namespace authshield::console
