#pragma once

#include "console/views/ConsolePage.h"
#include "console/views/Confirmer.h"

#include <memory>

class QLabel;
class QPushButton;
class QTableView;

namespace authshield::console {

class AdminClient;
class SessionTableModel;

// Every active session with its user, device, IP and age; revoke one or many (multi-select) after confirmation.
class SessionsPage : public ConsolePage
{
    Q_OBJECT

public:
    SessionsPage(ApiClient* api, QWidget* parent);
    ~SessionsPage() override;

    QString title() const override { return tr("Sessions"); }
    void refresh() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    void setConfirmer(Confirmer confirmer) { m_confirmer = std::move(confirmer); }
    SessionTableModel* model() const { return m_model; }
    QString errorText() const;

Q_SIGNALS:
    void revokeFinished(int revoked, int failed);

private:
    void revokeSelected();

    std::unique_ptr<AdminClient> m_client;
    Confirmer m_confirmer = messageBoxConfirmer();
    SessionTableModel* m_model;
    QTableView* m_table;
    QPushButton* m_revoke;
    QLabel* m_summary;
    QLabel* m_error;
};

} // namespace authshield::console
