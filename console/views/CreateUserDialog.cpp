#include "console/views/CreateUserDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace authshield::console {

CreateUserDialog::CreateUserDialog(ApiClient* api, const QStringList& roles, QWidget* parent)
    : QDialog(parent)
    , m_client(api)
    , m_email(new QLineEdit(this))
    , m_displayName(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_verified(new QCheckBox(tr("Email address already verified"), this))
    , m_invite(new QCheckBox(tr("Send an invitation mail with a set-password link"), this))
    , m_general(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("createUserDialog"));
    setWindowTitle(tr("New user"));
    m_email->setObjectName(QStringLiteral("createEmail"));
    m_displayName->setObjectName(QStringLiteral("createDisplayName"));
    m_password->setObjectName(QStringLiteral("createPassword"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("empty: the user sets it from the invitation"));
    m_verified->setObjectName(QStringLiteral("createEmailVerified"));
    m_invite->setObjectName(QStringLiteral("createSendInvite"));
    m_general->setObjectName(QStringLiteral("createError"));
    m_general->setWordWrap(true);
    m_general->setStyleSheet(QStringLiteral("color: #b3261e;"));
    m_general->hide();

    auto* form = new QFormLayout;
    form->addRow(tr("Email"), m_email);
    form->addRow(QString(), errorLabel(QStringLiteral("email"), "createEmailError"));
    form->addRow(tr("Display name"), m_displayName);
    form->addRow(QString(), errorLabel(QStringLiteral("display_name"), "createDisplayNameError"));
    form->addRow(tr("Password"), m_password);
    form->addRow(QString(), errorLabel(QStringLiteral("password"), "createPasswordError"));
    auto* roleBox = new QVBoxLayout;
    for (const QString& role : roles) {
        auto* check = new QCheckBox(role, this);
        check->setObjectName(QStringLiteral("createRole_") + role);
        roleBox->addWidget(check);
        m_roles.append(check);
    }
    form->addRow(tr("Roles"), roleBox);
    form->addRow(QString(), errorLabel(QStringLiteral("roles"), "createRolesError"));
    form->addRow(QString(), m_verified);
    form->addRow(QString(), m_invite);

    QPushButton* create = m_buttons->addButton(tr("Create"), QDialogButtonBox::AcceptRole);
    create->setObjectName(QStringLiteral("createUserSubmit"));
    create->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &CreateUserDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_general);
    layout->addWidget(m_buttons);
}

QLabel* CreateUserDialog::errorLabel(const QString& field, const char* name)
{
    auto* label = new QLabel(this);
    label->setObjectName(QString::fromLatin1(name));
    label->setStyleSheet(QStringLiteral("color: #b3261e;"));
    label->setWordWrap(true);
    label->hide();
    m_fieldErrors.insert(field, label);
    return label;
}

void CreateUserDialog::submit()
{
    clearErrors();
    QJsonObject body{{QStringLiteral("email"), m_email->text().trimmed()}};
    if (!m_displayName->text().trimmed().isEmpty())
        body.insert(QStringLiteral("display_name"), m_displayName->text().trimmed());
    if (!m_password->text().isEmpty())
        body.insert(QStringLiteral("password"), m_password->text());
    QStringList roles;
    for (const QCheckBox* check : std::as_const(m_roles)) {
        if (check->isChecked())
            roles.append(check->text());
    }
    if (!roles.isEmpty())
        body.insert(QStringLiteral("roles"), QJsonArray::fromStringList(roles));
    body.insert(QStringLiteral("email_verified"), m_verified->isChecked());
    body.insert(QStringLiteral("send_invite"), m_invite->isChecked());
    m_buttons->setEnabled(false);
    m_client.createUser(
        body, this,
        [this](const AdminUser& user) {
            m_buttons->setEnabled(true);
            Q_EMIT userCreated(user);
            accept();
        },
        [this](const ApiError& error) {
            m_buttons->setEnabled(true);
            showError(error);
        });
}

void CreateUserDialog::showError(const ApiError& error)
{
    QStringList elsewhere;
    for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it) {
        QLabel* label = m_fieldErrors.value(it.key());
        if (label) {
            label->setText(it.value());
            label->show();
        } else {
            elsewhere.append(QStringLiteral("%1: %2").arg(it.key(), it.value()));
        }
    }
    // The sentence (with the request id) always shows, so a refusal without fields is never silent.
    QString text = error.displayText();
    if (!elsewhere.isEmpty())
        text += QLatin1Char('\n') + elsewhere.join(QLatin1Char('\n'));
    m_general->setText(text);
    m_general->show();
    const QString first = error.fields.isEmpty() ? QString() : error.fields.firstKey();
    if (first == QStringLiteral("email"))
        m_email->setFocus();
    else if (first == QStringLiteral("password"))
        m_password->setFocus();
    else if (first == QStringLiteral("display_name"))
        m_displayName->setFocus();
}

void CreateUserDialog::clearErrors()
{
    for (QLabel* label : std::as_const(m_fieldErrors)) {
        label->clear();
        label->hide();
    }
    m_general->clear();
    m_general->hide();
}

QString CreateUserDialog::fieldError(const QString& field) const
{
    const QLabel* label = m_fieldErrors.value(field);
    return label && !label->isHidden() ? label->text() : QString();
}

QString CreateUserDialog::generalError() const
{
    return m_general->isHidden() ? QString() : m_general->text();
}

} // namespace authshield::console
