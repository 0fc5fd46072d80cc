#include "console/views/SettingsPage.h"

#include "console/api/ApiClient.h"
#include "console/api/ApiError.h"
#include "console/models/JsonTableModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>

namespace authshield::console {

namespace {

const QString kSmtpPath = QStringLiteral("/api/v1/admin/settings/smtp");
const QString kSecurityPath = QStringLiteral("/api/v1/admin/settings/security");
const QString kErrorStyle = QStringLiteral("QLabel { color: #b3261e; }");

bool isRateLimitSection(const QString& name)
{
    return name == QStringLiteral("ratelimit") || name == QStringLiteral("rate_limits");
}

QString humanise(const QString& key)
{
    QString text = key;
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

JsonTableModel::Column stepOutcome()
{
    return JsonTableModel::Column{QStringLiteral("Result"), [](const QJsonObject& row, int role) -> QVariant {
                                      const bool ok = row.value(QStringLiteral("ok")).toBool();
                                      if (role == Qt::DisplayRole)
                                          return ok ? QStringLiteral("✓ passed") : QStringLiteral("✗ failed");
                                      if (role == Qt::ForegroundRole)
                                          return ok ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xb3, 0x26, 0x1e);
                                      return {};
                                  }};
}

JsonTableModel::Column stepName()
{
    return JsonTableModel::Column{QStringLiteral("Step"), [](const QJsonObject& row, int role) -> QVariant {
                                      if (role != Qt::DisplayRole)
                                          return {};
                                      const QString name = row.value(QStringLiteral("step")).toString();
                                      return name.isEmpty() ? row.value(QStringLiteral("name")).toString() : name;
                                  }};
}

JsonTableModel::Column stepReply()
{
    return JsonTableModel::Column{QStringLiteral("Reply / detail"), [](const QJsonObject& row, int role) -> QVariant {
                                      if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
                                          return {};
                                      QStringList parts;
                                      for (const QString& key : {QStringLiteral("reply"), QStringLiteral("detail")}) {
                                          const QString text = row.value(key).toString();
                                          if (!text.isEmpty())
                                              parts.append(text);
                                      }
                                      return parts.join(QStringLiteral(" — "));
                                  }};
}

JsonTableModel::Column stepDuration()
{
    return JsonTableModel::Column{QStringLiteral("Time"), [](const QJsonObject& row, int role) -> QVariant {
                                      if (role == Qt::TextAlignmentRole)
                                          return int(Qt::AlignRight | Qt::AlignVCenter);
                                      if (role != Qt::DisplayRole)
                                          return {};
                                      const QJsonValue ms = row.value(QStringLiteral("duration_ms"));
                                      return ms.isUndefined() ? QString()
                                                              : QStringLiteral("%1 ms").arg(QLocale().toString(ms.toDouble(), 'f', 0));
                                  }};
}

} // namespace

SettingsPage::SettingsPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_stepsModel(new JsonTableModel({stepOutcome(), stepName(),
                                       stepDuration(), stepReply()},
                                      this))
{
    auto* layout = new QVBoxLayout(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("settingsTabs"));
    layout->addWidget(m_tabs);

    // --- SMTP ---------------------------------------------------------------------------------------------------
    auto* smtpTab = new QWidget(m_tabs);
    auto* smtpLayout = new QVBoxLayout(smtpTab);
    auto* smtpBox = new QGroupBox(QStringLiteral("Outgoing mail server"), smtpTab);
    auto* form = new QFormLayout(smtpBox);
    m_host = new QLineEdit(smtpBox);
    m_port = new QSpinBox(smtpBox);
    m_port->setRange(1, 65535);
    m_port->setValue(587);
    m_security = new QComboBox(smtpBox);
    m_security->addItem(QStringLiteral("STARTTLS (port 587)"), QStringLiteral("starttls"));
    m_security->addItem(QStringLiteral("TLS from the start (port 465)"), QStringLiteral("tls"));
    m_security->addItem(QStringLiteral("None — plain text (testing only)"), QStringLiteral("none"));
    m_username = new QLineEdit(smtpBox);
    m_password = new QLineEdit(smtpBox);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(QStringLiteral("unchanged"));
    m_passwordState = new QLabel(QStringLiteral("not set"), smtpBox);
    m_passwordState->setObjectName(QStringLiteral("smtpPasswordStateLabel"));
    m_fromAddress = new QLineEdit(smtpBox);
    m_fromName = new QLineEdit(smtpBox);
    m_replyTo = new QLineEdit(smtpBox);
    m_ehloName = new QLineEdit(smtpBox);
    addSmtpRow(form, QStringLiteral("&Host:"), m_host, QStringLiteral("host"));
    addSmtpRow(form, QStringLiteral("P&ort:"), m_port, QStringLiteral("port"));
    addSmtpRow(form, QStringLiteral("Se&curity:"), m_security, QStringLiteral("security"));
    addSmtpRow(form, QStringLiteral("&User name:"), m_username, QStringLiteral("username"));
    auto* passwordRow = new QWidget(smtpBox);
    auto* passwordLayout = new QHBoxLayout(passwordRow);
    passwordLayout->setContentsMargins(0, 0, 0, 0);
    passwordLayout->addWidget(m_password, 1);
    passwordLayout->addWidget(m_passwordState);
    m_password->setObjectName(QStringLiteral("smtp_password"));
    form->addRow(QStringLiteral("&Password:"), passwordRow);
    form->addRow(QString(), errorLabelFor(QStringLiteral("smtp.password"), smtpBox));
    addSmtpRow(form, QStringLiteral("&From address:"), m_fromAddress, QStringLiteral("from_address"));
    addSmtpRow(form, QStringLiteral("From &name:"), m_fromName, QStringLiteral("from_name"));
    addSmtpRow(form, QStringLiteral("&Reply-to:"), m_replyTo, QStringLiteral("reply_to"));
    addSmtpRow(form, QStringLiteral("&EHLO name:"), m_ehloName, QStringLiteral("ehlo_name"));
    smtpLayout->addWidget(smtpBox);
    m_smtpError = new QLabel(smtpTab);
    m_smtpError->setObjectName(QStringLiteral("smtpErrorLabel"));
    m_smtpError->setStyleSheet(kErrorStyle);
    m_smtpError->setWordWrap(true);
    m_smtpError->hide();
    smtpLayout->addWidget(m_smtpError);
    auto* smtpButtons = new QHBoxLayout;
    auto* saveSmtpButton = new QPushButton(QStringLiteral("&Save mail settings"), smtpTab);
    saveSmtpButton->setObjectName(QStringLiteral("saveSmtpButton"));
    smtpButtons->addStretch(1);
    smtpButtons->addWidget(saveSmtpButton);
    smtpLayout->addLayout(smtpButtons);

    auto* testBox = new QGroupBox(QStringLiteral("Test"), smtpTab);
    auto* testLayout = new QVBoxLayout(testBox);
    auto* testRow = new QHBoxLayout;
    m_testTo = new QLineEdit(testBox);
    m_testTo->setObjectName(QStringLiteral("smtpTestToEdit"));
    m_testTo->setPlaceholderText(QStringLiteral("you@example.com"));
    m_testButton = new QPushButton(QStringLiteral("Send &test mail"), testBox);
    m_testButton->setObjectName(QStringLiteral("smtpTestButton"));
    testRow->addWidget(new QLabel(QStringLiteral("To:"), testBox));
    testRow->addWidget(m_testTo, 1);
    testRow->addWidget(m_testButton);
    testLayout->addLayout(testRow);
    m_testResult = new QLabel(testBox);
    m_testResult->setObjectName(QStringLiteral("smtpTestResultLabel"));
    m_testResult->setWordWrap(true);
    testLayout->addWidget(m_testResult);
    m_stepsView = new QTableView(testBox);
    m_stepsView->setObjectName(QStringLiteral("smtpTestStepsView"));
    m_stepsView->setModel(m_stepsModel);
    m_stepsView->verticalHeader()->hide();
    m_stepsView->horizontalHeader()->setStretchLastSection(true);
    m_stepsView->setWordWrap(true);
    testLayout->addWidget(m_stepsView, 1);
    smtpLayout->addWidget(testBox, 1);
    m_tabs->addTab(smtpTab, QStringLiteral("&Mail (SMTP)"));

    // --- Security -----------------------------------------------------------------------------------------------
    auto* securityTab = new QWidget(m_tabs);
    auto* securityTabLayout = new QVBoxLayout(securityTab);
    auto* scroll = new QScrollArea(securityTab);
    scroll->setWidgetResizable(true);
    m_securityHost = new QWidget(scroll);
    m_securityLayout = new QVBoxLayout(m_securityHost);
    scroll->setWidget(m_securityHost);
    securityTabLayout->addWidget(scroll, 1);
    m_securityError = new QLabel(securityTab);
    m_securityError->setObjectName(QStringLiteral("securityErrorLabel"));
    m_securityError->setStyleSheet(kErrorStyle);
    m_securityError->setWordWrap(true);
    m_securityError->hide();
    securityTabLayout->addWidget(m_securityError);
    auto* securityButtons = new QHBoxLayout;
    auto* saveSecurityButton = new QPushButton(QStringLiteral("Save &security policy"), securityTab);
    saveSecurityButton->setObjectName(QStringLiteral("saveSecurityButton"));
    securityButtons->addStretch(1);
    securityButtons->addWidget(saveSecurityButton);
    securityTabLayout->addLayout(securityButtons);
    m_tabs->addTab(securityTab, QStringLiteral("Securit&y"));

    connect(saveSmtpButton, &QPushButton::clicked, this, &SettingsPage::saveSmtp);
    connect(m_testButton, &QPushButton::clicked, this, &SettingsPage::sendTestMail);
    connect(saveSecurityButton, &QPushButton::clicked, this, &SettingsPage::saveSecurity);
}

QLabel* SettingsPage::errorLabelFor(const QString& field, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(QStringLiteral("fieldError:") + field);
    label->setStyleSheet(kErrorStyle);
    label->setWordWrap(true);
    label->hide();
    m_fieldErrors.insert(field, label);
    return label;
}

void SettingsPage::addSmtpRow(QFormLayout* form, const QString& label, QWidget* editor, const QString& field)
{
    editor->setObjectName(QStringLiteral("smtp_") + field);
    form->addRow(label, editor);
    form->addRow(QString(), errorLabelFor(QStringLiteral("smtp.") + field, editor->parentWidget()));
}

QString SettingsPage::fieldError(const QString& field) const
{
    const QLabel* label = m_fieldErrors.value(field);
    return label && !label->isHidden() ? label->text() : QString();
}

void SettingsPage::refresh()
{
    loadSmtp();
    loadSecurity();
}

void SettingsPage::loadSmtp()
{
    api()->send("GET", kSmtpPath, {}, {}, this, [this](const QJsonDocument& body, int) { showSmtp(body.object()); },
                [this](const ApiError& error) { Q_EMIT errorOccurred(error); });
}

void SettingsPage::showSmtp(const QJsonObject& smtp)
{
    m_host->setText(smtp.value(QStringLiteral("host")).toString());
    if (smtp.value(QStringLiteral("port")).isDouble())
        m_port->setValue(smtp.value(QStringLiteral("port")).toInt());
    const int security = m_security->findData(smtp.value(QStringLiteral("security")).toString());
    if (security >= 0)
        m_security->setCurrentIndex(security);
    m_username->setText(smtp.value(QStringLiteral("username")).toString());
    m_password->clear();
    const bool passwordSet = smtp.value(QStringLiteral("password_set")).toBool();
    m_passwordState->setText(passwordSet ? QStringLiteral("set") : QStringLiteral("not set"));
    m_password->setPlaceholderText(passwordSet ? QStringLiteral("unchanged") : QStringLiteral("none"));
    m_fromAddress->setText(smtp.value(QStringLiteral("from_address")).toString());
    m_fromName->setText(smtp.value(QStringLiteral("from_name")).toString());
    m_replyTo->setText(smtp.value(QStringLiteral("reply_to")).toString());
    m_ehloName->setText(smtp.value(QStringLiteral("ehlo_name")).toString());
}

void SettingsPage::saveSmtp()
{
    clearFieldErrors(QStringLiteral("smtp."));
    m_smtpError->hide();
    QJsonObject body{{QStringLiteral("host"), m_host->text().trimmed()},
                     {QStringLiteral("port"), m_port->value()},
                     {QStringLiteral("security"), m_security->currentData().toString()},
                     {QStringLiteral("username"), m_username->text()},
                     {QStringLiteral("from_address"), m_fromAddress->text().trimmed()},
                     {QStringLiteral("from_name"), m_fromName->text()},
                     {QStringLiteral("reply_to"), m_replyTo->text().trimmed()},
                     {QStringLiteral("ehlo_name"), m_ehloName->text().trimmed()}};
    if (!m_password->text().isEmpty()) // empty = keep the stored password
        body.insert(QStringLiteral("password"), m_password->text());
    Q_EMIT busyChanged(true);
    api()->send("PUT", kSmtpPath, {}, QJsonDocument(body), this,
                [this](const QJsonDocument& answer, int) {
                    Q_EMIT busyChanged(false);
                    Q_EMIT statusMessage(QStringLiteral("Mail settings saved."));
                    if (answer.isObject() && answer.object().contains(QStringLiteral("host")))
                        showSmtp(answer.object());
                    else
                        loadSmtp();
                },
                [this](const ApiError& error) {
                    Q_EMIT busyChanged(false);
                    QMap<QString, QString> fields;
                    for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it)
                        fields.insert(it.key().startsWith(QStringLiteral("smtp.")) ? it.key() : QStringLiteral("smtp.") + it.key(),
                                      it.value());
                    m_smtpError->setText(error.displayText());
                    m_smtpError->show();
                    showFieldErrors(QStringLiteral("smtp."), fields, m_smtpError);
                    if (error.fields.isEmpty())
                        Q_EMIT errorOccurred(error);
                });
}

void SettingsPage::sendTestMail()
{
    m_testButton->setEnabled(false);
    m_stepsModel->setRows({});
    m_testResult->setText(QStringLiteral("Sending a test mail to %1…").arg(m_testTo->text().trimmed()));
    clearFieldErrors(QStringLiteral("smtp.to"));
    api()->send("POST", kSmtpPath + QStringLiteral("/test"), {},
                QJsonDocument(QJsonObject{{QStringLiteral("to"), m_testTo->text().trimmed()}}), this,
                [this](const QJsonDocument& answer, int) {
                    m_testButton->setEnabled(true);
                    const QJsonObject report = answer.object();
                    const QJsonArray steps = report.value(QStringLiteral("steps")).toArray();
                    m_stepsModel->setRows(steps);
                    bool ok = report.contains(QStringLiteral("ok")) ? report.value(QStringLiteral("ok")).toBool() : true;
                    for (const QJsonValue& step : steps)
                        ok = ok && step.toObject().value(QStringLiteral("ok")).toBool();
                    const QString message = report.value(QStringLiteral("message")).toString();
                    m_testResult->setText(ok ? QStringLiteral("The test mail was accepted by the mail server.")
                                             : QStringLiteral("The test failed at \"%1\": %2")
                                                   .arg(report.value(QStringLiteral("failed_step")).toString(), message));
                },
                [this](const ApiError& error) {
                    m_testButton->setEnabled(true);
                    m_testResult->setText(error.displayText());
                    // A failed test may still carry its steps in the error's details: show what the server said.
                    if (error.fields.isEmpty())
                        Q_EMIT errorOccurred(error);
                });
}

void SettingsPage::loadSecurity()
{
    api()->send("GET", kSecurityPath, {}, {}, this, [this](const QJsonDocument& body, int) { showSecurity(body.object()); },
                [this](const ApiError& error) { Q_EMIT errorOccurred(error); });
}

void SettingsPage::showSecurity(const QJsonObject& security)
{
    m_securityLoaded = security;
    for (auto it = m_fieldErrors.begin(); it != m_fieldErrors.end();) {
        if (it.key().startsWith(QStringLiteral("smtp.")))
            ++it;
        else
            it = m_fieldErrors.erase(it);
    }
    m_securityEditors.clear();
    delete m_securityForm;
    m_securityForm = new QWidget(m_securityHost);
    auto* formLayout = new QVBoxLayout(m_securityForm);
    formLayout->setContentsMargins(0, 0, 0, 0);
    m_rateLimits = nullptr;
    for (auto section = security.constBegin(); section != security.constEnd(); ++section) {
        const QJsonObject values = section.value().toObject();
        auto* box = new QGroupBox(humanise(section.key()), m_securityForm);
        box->setObjectName(QStringLiteral("security_") + section.key());
        auto* boxLayout = new QVBoxLayout(box);
        if (isRateLimitSection(section.key())) {
            m_rateLimitSection = section.key();
            m_rateLimits = new QTableWidget(static_cast<int>(values.size()), 3, box);
            m_rateLimits->setObjectName(QStringLiteral("securityRateLimitsTable"));
            m_rateLimits->setHorizontalHeaderLabels(
                {QStringLiteral("Policy"), QStringLiteral("Requests"), QStringLiteral("Per seconds")});
            m_rateLimits->verticalHeader()->hide();
            m_rateLimits->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
            int row = 0;
            for (auto policy = values.constBegin(); policy != values.constEnd(); ++policy, ++row) {
                auto* name = new QTableWidgetItem(policy.key());
                name->setFlags(Qt::ItemIsEnabled);
                m_rateLimits->setItem(row, 0, name);
                const QJsonObject rule = policy.value().toObject();
                m_rateLimits->setItem(row, 1, new QTableWidgetItem(QString::number(rule.value(QStringLiteral("count")).toInteger())));
                m_rateLimits->setItem(
                    row, 2, new QTableWidgetItem(QString::number(rule.value(QStringLiteral("window_seconds")).toInteger())));
            }
            m_rateLimits->setMinimumHeight(m_rateLimits->verticalHeader()->defaultSectionSize() * (row + 2));
            boxLayout->addWidget(m_rateLimits);
            boxLayout->addWidget(errorLabelFor(section.key(), box));
            formLayout->addWidget(box);
            continue;
        }
        auto* form = new QFormLayout;
        boxLayout->addLayout(form);
        for (auto field = values.constBegin(); field != values.constEnd(); ++field) {
            const QString name = section.key() + QLatin1Char('.') + field.key();
            QWidget* editor = nullptr;
            if (field.value().isBool()) {
                auto* check = new QCheckBox(box);
                check->setChecked(field.value().toBool());
                editor = check;
            } else if (field.value().isDouble()) {
                auto* spin = new QSpinBox(box);
                spin->setRange(0, std::numeric_limits<int>::max());
                spin->setValue(field.value().toInt());
                spin->setGroupSeparatorShown(true);
                editor = spin;
            } else if (field.value().isArray()) {
                QStringList items;
                for (const QJsonValue& item : field.value().toArray())
                    items.append(item.toString());
                auto* edit = new QLineEdit(items.join(QStringLiteral(", ")), box);
                edit->setProperty("jsonArray", true);
                edit->setPlaceholderText(QStringLiteral("comma-separated"));
                editor = edit;
            } else {
                editor = new QLineEdit(field.value().toString(), box);
            }
            editor->setObjectName(QStringLiteral("security:") + name);
            m_securityEditors.insert(name, editor);
            form->addRow(humanise(field.key()) + QLatin1Char(':'), editor);
            form->addRow(QString(), errorLabelFor(name, box));
        }
        formLayout->addWidget(box);
    }
    formLayout->addStretch(1);
    m_securityLayout->addWidget(m_securityForm);
}

QJsonObject SettingsPage::securityFromForm() const
{
    QJsonObject result;
    for (auto section = m_securityLoaded.constBegin(); section != m_securityLoaded.constEnd(); ++section) {
        QJsonObject values;
        if (isRateLimitSection(section.key()) && m_rateLimits) {
            for (int row = 0; row < m_rateLimits->rowCount(); ++row) {
                values.insert(m_rateLimits->item(row, 0)->text(),
                              QJsonObject{{QStringLiteral("count"), m_rateLimits->item(row, 1)->text().toLongLong()},
                                          {QStringLiteral("window_seconds"), m_rateLimits->item(row, 2)->text().toLongLong()}});
            }
            result.insert(section.key(), values);
            continue;
        }
        const QJsonObject loaded = section.value().toObject();
        for (auto field = loaded.constBegin(); field != loaded.constEnd(); ++field) {
            const QWidget* editor = m_securityEditors.value(section.key() + QLatin1Char('.') + field.key());
            if (const auto* check = qobject_cast<const QCheckBox*>(editor)) {
                values.insert(field.key(), check->isChecked());
            } else if (const auto* spin = qobject_cast<const QSpinBox*>(editor)) {
                values.insert(field.key(), spin->value());
            } else if (const auto* edit = qobject_cast<const QLineEdit*>(editor)) {
                if (edit->property("jsonArray").toBool()) {
                    QJsonArray items;
                    for (const QString& item : edit->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
                        items.append(item.trimmed());
                    values.insert(field.key(), items);
                } else {
                    values.insert(field.key(), edit->text());
                }
            }
        }
        result.insert(section.key(), values);
    }
    return result;
}

void SettingsPage::saveSecurity()
{
    m_securityError->hide();
    for (auto it = m_fieldErrors.cbegin(); it != m_fieldErrors.cend(); ++it) {
        if (!it.key().startsWith(QStringLiteral("smtp.")))
            it.value()->hide();
    }
    if (m_rateLimits) {
        for (int row = 0; row < m_rateLimits->rowCount(); ++row) {
            for (int column = 1; column < 3; ++column) {
                m_rateLimits->item(row, column)->setBackground(QBrush());
                m_rateLimits->item(row, column)->setToolTip(QString());
            }
        }
    }
    Q_EMIT busyChanged(true);
    api()->send("PUT", kSecurityPath, {}, QJsonDocument(securityFromForm()), this,
                [this](const QJsonDocument&, int) {
                    Q_EMIT busyChanged(false);
                    Q_EMIT statusMessage(QStringLiteral("Security policy saved; every server instance applies it now."));
                    loadSecurity();
                },
                [this](const ApiError& error) {
                    Q_EMIT busyChanged(false);
                    m_securityError->setText(error.displayText());
                    m_securityError->show();
                    QMap<QString, QString> rest;
                    for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it) {
                        // ratelimit.login_ip.count: mark the cell, and list it under the table.
                        const QStringList parts = it.key().split(QLatin1Char('.'));
                        if (m_rateLimits && parts.size() >= 2 && isRateLimitSection(parts.first())) {
                            for (int row = 0; row < m_rateLimits->rowCount(); ++row) {
                                if (m_rateLimits->item(row, 0)->text() != parts.at(1))
                                    continue;
                                const int column = parts.value(2) == QStringLiteral("window_seconds") ? 2 : 1;
                                m_rateLimits->item(row, column)->setBackground(QColor(0xfd, 0xec, 0xea));
                                m_rateLimits->item(row, column)->setToolTip(it.value());
                            }
                            QString listed = rest.value(m_rateLimitSection);
                            listed += (listed.isEmpty() ? QString() : QStringLiteral("\n"))
                                      + QStringLiteral("%1: %2").arg(parts.mid(1).join(QLatin1Char('.')), it.value());
                            rest.insert(m_rateLimitSection, listed);
                            rest.insert(it.key(), it.value());
                            continue;
                        }
                        rest.insert(it.key(), it.value());
                    }
                    showFieldErrors(QString(), rest, m_securityError);
                    if (error.fields.isEmpty())
                        Q_EMIT errorOccurred(error);
                });
}

void SettingsPage::showFieldErrors(const QString& prefix, const QMap<QString, QString>& fields, QLabel* general)
{
    clearFieldErrors(prefix.isEmpty() ? QStringLiteral("\x01") : prefix);
    QStringList unplaced;
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        QLabel* label = m_fieldErrors.value(it.key());
        if (label) {
            label->setText(it.value());
            label->show();
        } else if (!m_fieldErrors.contains(it.key().section(QLatin1Char('.'), 0, 0))) {
            unplaced.append(QStringLiteral("%1: %2").arg(it.key(), it.value()));
        }
    }
    if (!unplaced.isEmpty())
        general->setText(general->text() + QLatin1Char('\n') + unplaced.join(QLatin1Char('\n')));
}

void SettingsPage::clearFieldErrors(const QString& prefix)
{
    for (auto it = m_fieldErrors.cbegin(); it != m_fieldErrors.cend(); ++it) {
        if (it.key().startsWith(prefix))
            it.value()->hide();
    }
}

void SettingsPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("tab"), m_tabs->currentIndex());
    settings.setValue(QStringLiteral("testTo"), m_testTo->text());
}

void SettingsPage::restoreState(QSettings& settings)
{
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("tab"), 0).toInt());
    m_testTo->setText(settings.value(QStringLiteral("testTo")).toString());
}

} // namespace authshield::console
