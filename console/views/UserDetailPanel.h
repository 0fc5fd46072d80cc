#pragma once

#include "console/api/AdminClient.h"
#include "console/views/Confirmer.h"

#include <QWidget>

class QCheckBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QVBoxLayout;

namespace authshield::console {

// Everything about one user and every action on them. Each action goes to the server at once; a refusal is shown
// in words with the request id, and the panel re-reads the user so it never shows a state the server rejected.
class UserDetailPanel : public QWidget
{
    Q_OBJECT

public:
    UserDetailPanel(ApiClient* api, QWidget* parent);

    void setConfirmer(Confirmer confirmer) { m_confirmer = std::move(confirmer); }
    void setRoleNames(const QStringList& roles);
    void showUser(const QString& id);
    void clear();
    QString userId() const { return m_user.id; }
    const AdminUser& user() const { return m_user; }
    QString errorText() const;

Q_SIGNALS:
    void userLoaded(const authshield::console::AdminUser& user);
    void userDeleted(const QString& id);
    void sessionsLoaded(int count);
    void actionFinished(const QString& message);
    void errorOccurred(const authshield::console::ApiError& error);
    void statusMessage(const QString& text);
    void busyChanged(bool busy);

private:
    void reloadUser();
    void loadSessions();
    void loadMfa();
    void render();
    void rebuildRoleChecks();
    void patch(const QJsonObject& change, const QString& doneMessage);
    void act(const QString& action, const QString& doneMessage);
    void revokeSelectedSession();
    void deleteUser();
    void resetMfa();
    void refused(const ApiError& error);
    void succeeded(const QString& message);
    void begin();
    void end();

    AdminClient m_client;
    Confirmer m_confirmer = messageBoxConfirmer();
    AdminUser m_user;
    QStringList m_roleNames;
    int m_pending = 0;
    quint64 m_generation = 0; // a newer showUser() drops the previous user's answers

    QLabel* m_title;
    QLabel* m_facts;
    QLabel* m_error;
    QGroupBox* m_rolesBox;
    QVBoxLayout* m_rolesLayout;
    QList<QCheckBox*> m_roleChecks;
    QPushButton* m_toggleStatus;
    QCheckBox* m_verified;
    QLabel* m_lockState;
    QPushButton* m_unlock;
    QGroupBox* m_mfaBox;
    QLabel* m_mfaState;
    QPushButton* m_resetMfa;
    QTableWidget* m_sessions;
    QPushButton* m_revokeSession;
    QPushButton* m_forceLogout;
    QPushButton* m_sendReset;
    QPushButton* m_delete;
};

} // namespace authshield::console
