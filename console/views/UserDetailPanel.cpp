#include "console/views/UserDetailPanel.h"

#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace authshield::console {

namespace {

QString shortTime(const QDateTime& time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat)
                          : UserDetailPanel::tr("never");
}

QPushButton* button(const QString& text, const char* name, QWidget* parent)
{
    auto* result = new QPushButton(text, parent);
    result->setObjectName(QString::fromLatin1(name));
    return result;
}

} // namespace

UserDetailPanel::UserDetailPanel(ApiClient* api, QWidget* parent)
    : QWidget(parent)
    , m_client(api)
    , m_title(new QLabel(this))
    , m_facts(new QLabel(this))
    , m_error(new QLabel(this))
    , m_rolesBox(new QGroupBox(tr("Roles"), this))
    , m_rolesLayout(new QVBoxLayout(m_rolesBox))
    , m_toggleStatus(button(tr("Disable account"), "toggleStatusButton", this))
    , m_verified(new QCheckBox(tr("Email address verified"), this))
    , m_lockState(new QLabel(this))
    , m_unlock(button(tr("Unlock"), "unlockButton", this))
    , m_mfaBox(new QGroupBox(tr("Two-factor authentication"), this))
    , m_mfaState(new QLabel(m_mfaBox))
    , m_resetMfa(button(tr("Reset two-factor"), "resetMfaButton", m_mfaBox))
    , m_sessions(new QTableWidget(0, 3, this))
    , m_revokeSession(button(tr("Revoke session"), "revokeSessionButton", this))
    , m_forceLogout(button(tr("Force logout"), "forceLogoutButton", this))
    , m_sendReset(button(tr("Send password reset mail"), "sendResetButton", this))
    , m_delete(button(tr("Delete user…"), "deleteUserButton", this))
{
    setObjectName(QStringLiteral("userDetail"));
    m_title->setObjectName(QStringLiteral("userDetailTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);
    m_facts->setObjectName(QStringLiteral("userDetailFacts"));
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts->setWordWrap(true);
    m_error->setObjectName(QStringLiteral("userDetailError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 4px;"));
    m_error->hide();
    m_verified->setObjectName(QStringLiteral("emailVerifiedCheck"));
    m_lockState->setObjectName(QStringLiteral("lockStateLabel"));
    m_mfaState->setObjectName(QStringLiteral("mfaStateLabel"));
    m_sessions->setObjectName(QStringLiteral("userSessionTable"));
    m_sessions->setHorizontalHeaderLabels({tr("Device"), tr("IP"), tr("Last seen")});
    m_sessions->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sessions->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sessions->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_sessions->horizontalHeader()->setStretchLastSection(true);
    m_sessions->verticalHeader()->hide();

    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_toggleStatus);
    statusRow->addWidget(m_verified);
    statusRow->addStretch();
    auto* lockRow = new QHBoxLayout;
    lockRow->addWidget(m_lockState, 1);
    lockRow->addWidget(m_unlock);
    auto* mfaLayout = new QHBoxLayout(m_mfaBox);
    mfaLayout->addWidget(m_mfaState, 1);
    mfaLayout->addWidget(m_resetMfa);
    auto* sessionsBox = new QGroupBox(tr("Active sessions"), this);
    auto* sessionsLayout = new QVBoxLayout(sessionsBox);
    sessionsLayout->addWidget(m_sessions);
    sessionsLayout->addWidget(m_revokeSession, 0, Qt::AlignRight);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_forceLogout);
    actions->addWidget(m_sendReset);
    actions->addStretch();
    actions->addWidget(m_delete);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_facts);
    layout->addWidget(m_error);
    layout->addLayout(statusRow);
    layout->addLayout(lockRow);
    layout->addWidget(m_rolesBox);
    layout->addWidget(m_mfaBox);
    layout->addWidget(sessionsBox, 1);
    layout->addLayout(actions);

    connect(m_toggleStatus, &QPushButton::clicked, this, [this]() {
        const bool disable = m_user.status != QStringLiteral("disabled");
        patch({{QStringLiteral("status"), disable ? QStringLiteral("disabled") : QStringLiteral("active")}},
              disable ? tr("%1 is disabled.").arg(m_user.email) : tr("%1 is enabled again.").arg(m_user.email));
    });
    connect(m_verified, &QCheckBox::clicked, this, [this](bool checked) {
        patch({{QStringLiteral("email_verified"), checked}},
              checked ? tr("%1's address is marked verified.").arg(m_user.email)
                      : tr("%1's address is marked unverified.").arg(m_user.email));
    });
    connect(m_unlock, &QPushButton::clicked, this,
            [this]() { act(QStringLiteral("unlock"), tr("%1 is unlocked.").arg(m_user.email)); });
    connect(m_forceLogout, &QPushButton::clicked, this, [this]() {
        act(QStringLiteral("logout-all"), tr("Every session of %1 is ended.").arg(m_user.email));
    });
    connect(m_sendReset, &QPushButton::clicked, this, [this]() {
        act(QStringLiteral("password-reset"), tr("A password reset mail is on its way to %1.").arg(m_user.email));
    });
    connect(m_revokeSession, &QPushButton::clicked, this, &UserDetailPanel::revokeSelectedSession);
    connect(m_resetMfa, &QPushButton::clicked, this, &UserDetailPanel::resetMfa);
    connect(m_delete, &QPushButton::clicked, this, &UserDetailPanel::deleteUser);
    connect(m_sessions, &QTableWidget::itemSelectionChanged, this,
            [this]() { m_revokeSession->setEnabled(!m_sessions->selectedItems().isEmpty()); });
    clear();
}

void UserDetailPanel::setRoleNames(const QStringList& roles)
{
    m_roleNames = roles;
    rebuildRoleChecks();
    render();
}

void UserDetailPanel::rebuildRoleChecks()
{
    qDeleteAll(m_roleChecks);
    m_roleChecks.clear();
    QStringList names = m_roleNames;
    for (const QString& role : std::as_const(m_user.roles)) {
        if (!names.contains(role))
            names.append(role); // a role the catalogue did not list yet still shows, so it can be removed
    }
    for (const QString& name : std::as_const(names)) {
        auto* check = new QCheckBox(name, m_rolesBox);
        check->setObjectName(QStringLiteral("roleCheck_") + name);
        m_rolesLayout->addWidget(check);
        m_roleChecks.append(check);
        connect(check, &QCheckBox::clicked, this, [this, name](bool checked) {
            QStringList roles;
            for (const QCheckBox* box : std::as_const(m_roleChecks)) {
                if (box->isChecked())
                    roles.append(box->text());
            }
            patch({{QStringLiteral("roles"), QJsonArray::fromStringList(roles)}},
                  checked ? tr("%1 now has the role %2.").arg(m_user.email, name)
                          : tr("%1 no longer has the role %2.").arg(m_user.email, name));
        });
    }
}

void UserDetailPanel::showUser(const QString& id)
{
    ++m_generation;
    m_user = AdminUser{};
    m_user.id = id;
    m_error->hide();
    m_error->clear();
    render();
    reloadUser();
    loadSessions();
    loadMfa();
}

void UserDetailPanel::clear()
{
    ++m_generation;
    m_user = AdminUser{};
    m_error->hide();
    m_error->clear();
    m_sessions->setRowCount(0);
    render();
}

QString UserDetailPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void UserDetailPanel::reloadUser()
{
    if (m_user.id.isEmpty())
        return;
    const quint64 generation = m_generation;
    begin();
    m_client.user(
        m_user.id, this,
        [this, generation](const AdminUser& user) {
            end();
            if (generation != m_generation)
                return;
            const bool mfaShown = m_user.mfaEnabled.has_value();
            const std::optional<bool> mfa = m_user.mfaEnabled;
            m_user = user;
            if (mfaShown && !m_user.mfaEnabled)
                m_user.mfaEnabled = mfa;
            rebuildRoleChecks();
            render();
            Q_EMIT userLoaded(m_user);
        },
        [this, generation](const ApiError& error) {
            end();
            if (generation == m_generation)
                refused(error);
        });
}

void UserDetailPanel::loadSessions()
{
    if (m_user.id.isEmpty())
        return;
    const quint64 generation = m_generation;
    begin();
    m_client.userSessions(
        m_user.id, this,
        [this, generation](const QList<AdminSession>& sessions) {
            end();
            if (generation != m_generation)
                return;
            const QDateTime now = QDateTime::currentDateTimeUtc();
            m_sessions->setRowCount(static_cast<int>(sessions.size()));
            for (int row = 0; row < sessions.size(); ++row) {
                const AdminSession& session = sessions.at(row);
                auto* device = new QTableWidgetItem(session.device.isEmpty() ? session.userAgent : session.device);
                device->setData(Qt::UserRole, session.id);
                device->setToolTip(session.userAgent);
                m_sessions->setItem(row, 0, device);
                m_sessions->setItem(row, 1, new QTableWidgetItem(session.ip));
                m_sessions->setItem(row, 2, new QTableWidgetItem(relativeAge(session.lastSeenAt, now)));
            }
            m_revokeSession->setEnabled(!m_sessions->selectedItems().isEmpty());
            Q_EMIT sessionsLoaded(static_cast<int>(sessions.size()));
        },
        [this, generation](const ApiError& error) {
            end();
            if (generation == m_generation)
                refused(error);
        });
}

void UserDetailPanel::loadMfa()
{
    if (m_user.id.isEmpty())
        return;
    const quint64 generation = m_generation;
    m_client.userMfa(
        m_user.id, this,
        [this, generation](const MfaState& state) {
            if (generation != m_generation)
                return;
            m_user.mfaEnabled = state.totpEnabled;
            m_mfaBox->show();
            m_mfaState->setText(state.totpEnabled
                                    ? tr("Authenticator app enrolled %1; %n recovery code(s) left.", nullptr,
                                         state.recoveryCodesRemaining)
                                          .arg(shortTime(state.enrolledAt))
                                    : tr("Not enrolled."));
            m_resetMfa->setEnabled(state.totpEnabled);
        },
        [this, generation](const ApiError& error) {
            if (generation != m_generation)
                return;
            // A server without the MFA routes answers 404: the section is simply not offered.
            m_mfaBox->setVisible(error.httpStatus != 404);
            if (error.httpStatus != 404)
                m_mfaState->setText(error.displayText());
        });
}

void UserDetailPanel::render()
{
    const bool has = !m_user.id.isEmpty();
    const bool loaded = has && !m_user.email.isEmpty();
    for (QWidget* widget : std::initializer_list<QWidget*>{m_toggleStatus, m_verified, m_rolesBox, m_forceLogout,
                                                           m_sendReset, m_delete, m_sessions})
        widget->setEnabled(loaded);
    m_revokeSession->setEnabled(loaded && !m_sessions->selectedItems().isEmpty());
    if (!has) {
        m_title->setText(tr("No user selected"));
        m_facts->clear();
        m_lockState->clear();
        m_unlock->setEnabled(false);
        m_mfaBox->hide();
        for (QCheckBox* check : std::as_const(m_roleChecks))
            check->setChecked(false);
        m_verified->setChecked(false);
        return;
    }
    if (!loaded) {
        m_title->setText(tr("Loading…"));
        m_unlock->setEnabled(false);
        return;
    }
    m_title->setText(m_user.email);
    QStringList facts;
    facts << tr("Name: %1").arg(m_user.displayName.isEmpty() ? tr("(none)") : m_user.displayName)
          << tr("Status: %1").arg(m_user.status) << tr("Created: %1").arg(shortTime(m_user.createdAt))
          << tr("Last login: %1").arg(shortTime(m_user.lastLoginAt));
    if (m_user.sessionCount >= 0)
        facts << tr("Sessions: %1").arg(m_user.sessionCount);
    facts << tr("Id: %1").arg(m_user.id);
    m_facts->setText(facts.join(QLatin1Char('\n')));
    m_toggleStatus->setText(m_user.status == QStringLiteral("disabled") ? tr("Enable account")
                                                                        : tr("Disable account"));
    m_verified->setChecked(m_user.emailVerified);
    m_lockState->setText(m_user.locked ? (m_user.lockedUntil.isValid()
                                              ? tr("Locked until %1 after failed logins.").arg(shortTime(m_user.lockedUntil))
                                              : tr("Locked after failed logins."))
                                       : tr("Not locked."));
    m_unlock->setEnabled(m_user.locked);
    for (QCheckBox* check : std::as_const(m_roleChecks))
        check->setChecked(m_user.roles.contains(check->text()));
}

void UserDetailPanel::patch(const QJsonObject& change, const QString& doneMessage)
{
    const QString id = m_user.id;
    if (id.isEmpty())
        return;
    begin();
    m_client.updateUser(
        id, change, this,
        [this, doneMessage]() {
            end();
            succeeded(doneMessage);
            reloadUser();
        },
        [this](const ApiError& error) {
            end();
            refused(error);
            reloadUser(); // undo the optimistic check box
        });
}

void UserDetailPanel::act(const QString& action, const QString& doneMessage)
{
    if (m_user.id.isEmpty())
        return;
    begin();
    m_client.userAction(
        m_user.id, action, this,
        [this, doneMessage]() {
            end();
            succeeded(doneMessage);
            reloadUser();
            loadSessions();
        },
        [this](const ApiError& error) {
            end();
            refused(error);
        });
}

void UserDetailPanel::revokeSelectedSession()
{
    const QList<QTableWidgetItem*> selected = m_sessions->selectedItems();
    if (selected.isEmpty())
        return;
    const QString sessionId = m_sessions->item(selected.first()->row(), 0)->data(Qt::UserRole).toString();
    begin();
    m_client.revokeSession(
        sessionId, this,
        [this]() {
            end();
            succeeded(tr("The session of %1 is revoked.").arg(m_user.email));
            loadSessions();
            reloadUser();
        },
        [this](const ApiError& error) {
            end();
            refused(error);
        });
}

void UserDetailPanel::resetMfa()
{
    if (!m_confirmer(this, tr("Reset two-factor authentication"),
                     tr("Remove the authenticator app and recovery codes of %1? They will sign in with their "
                        "password alone until they enrol again.")
                         .arg(m_user.email)))
        return;
    begin();
    m_client.resetUserMfa(
        m_user.id, this,
        [this]() {
            end();
            succeeded(tr("Two-factor authentication of %1 is reset.").arg(m_user.email));
            loadMfa();
        },
        [this](const ApiError& error) {
            end();
            refused(error);
        });
}

void UserDetailPanel::deleteUser()
{
    const AdminUser target = m_user;
    const QString who = target.displayName.isEmpty() ? target.email
                                                     : QStringLiteral("%1 <%2>").arg(target.displayName, target.email);
    if (!m_confirmer(this, tr("Delete user"),
                     tr("Delete the account of %1? Their sessions end and the account cannot be restored.").arg(who)))
        return;
    begin();
    m_client.deleteUser(
        target.id, this,
        [this, target]() {
            end();
            succeeded(tr("%1 is deleted.").arg(target.email));
            if (m_user.id == target.id)
                clear();
            Q_EMIT userDeleted(target.id);
        },
        [this](const ApiError& error) {
            end();
            refused(error);
        });
}

void UserDetailPanel::refused(const ApiError& error)
{
    m_error->setText(error.displayText());
    m_error->show();
    Q_EMIT errorOccurred(error);
}

void UserDetailPanel::succeeded(const QString& message)
{
    m_error->hide();
    m_error->clear();
    Q_EMIT statusMessage(message);
    Q_EMIT actionFinished(message);
}

void UserDetailPanel::begin()
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
}

void UserDetailPanel::end()
{
    if (--m_pending == 0)
        Q_EMIT busyChanged(false);
}

} // namespace authshield::console
