#pragma once

#include "console/api/AdminClient.h"

#include <QDialog>
#include <QMap>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace authshield::console {

// New account: the server validates; its 422 field reasons appear under the fields they belong to.
class CreateUserDialog : public QDialog
{
    Q_OBJECT

public:
    CreateUserDialog(ApiClient* api, const QStringList& roles, QWidget* parent);

    void submit();
    QString fieldError(const QString& field) const; // "email", "display_name", "password", "roles"; empty if none
    QString generalError() const;

Q_SIGNALS:
    void userCreated(const authshield::console::AdminUser& user);

private:
    QLabel* errorLabel(const QString& field, const char* name);
    void showError(const ApiError& error);
    void clearErrors();

    AdminClient m_client;
    QLineEdit* m_email;
    QLineEdit* m_displayName;
    QLineEdit* m_password;
    QCheckBox* m_verified;
    QCheckBox* m_invite;
    QList<QCheckBox*> m_roles;
    QMap<QString, QLabel*> m_fieldErrors;
    QLabel* m_general;
    QDialogButtonBox* m_buttons;
};

} // namespace authshield::console
