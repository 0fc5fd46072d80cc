#pragma once

#include "console/views/ConsolePage.h"

#include <QJsonObject>
#include <QMap>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTabWidget;
class QVBoxLayout;

namespace authshield::console {

class JsonTableModel;

// Server settings kept in the database: SMTP (password write-only: empty keeps the stored one; "set"/"not set"
// says whether there is one) with "Send test mail" showing every diagnostic step with its time and the server's
// reply; and the security policy (rate limits, lockout, password policy, token lifetimes, …) built from whatever
// sections the server returns. A 422 puts each reason next to its field.
class SettingsPage : public ConsolePage
{
    Q_OBJECT

public:
    SettingsPage(ApiClient* api, QWidget* parent);

    QString title() const override { return QStringLiteral("Settings"); }
    void refresh() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    void saveSmtp();
    void sendTestMail();
    void saveSecurity();
    JsonTableModel* testStepsModel() const { return m_stepsModel; }
    // The reason shown next to a field ("smtp.port", "lockout.max_failures", "ratelimit.login_ip.count").
    QString fieldError(const QString& field) const;

private:
    void loadSmtp();
    void loadSecurity();
    void showSmtp(const QJsonObject& smtp);
    void showSecurity(const QJsonObject& security);
    QJsonObject securityFromForm() const;
    void showFieldErrors(const QString& prefix, const QMap<QString, QString>& fields, QLabel* general);
    void clearFieldErrors(const QString& prefix);
    QLabel* errorLabelFor(const QString& field, QWidget* parent);
    void addSmtpRow(QFormLayout* form, const QString& label, QWidget* editor, const QString& field);

    QTabWidget* m_tabs = nullptr;
    QLineEdit* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QComboBox* m_security = nullptr;
    QLineEdit* m_username = nullptr;
    QLineEdit* m_password = nullptr;
    QLabel* m_passwordState = nullptr;
    QLineEdit* m_fromAddress = nullptr;
    QLineEdit* m_fromName = nullptr;
    QLineEdit* m_replyTo = nullptr;
    QLineEdit* m_ehloName = nullptr;
    QLabel* m_smtpError = nullptr;
    QLineEdit* m_testTo = nullptr;
    QPushButton* m_testButton = nullptr;
    QLabel* m_testResult = nullptr;
    JsonTableModel* m_stepsModel;
    QTableView* m_stepsView = nullptr;

    QWidget* m_securityHost = nullptr; // rebuilt from each GET
    QVBoxLayout* m_securityLayout = nullptr;
    QWidget* m_securityForm = nullptr;
    QTableWidget* m_rateLimits = nullptr;
    QString m_rateLimitSection; // "ratelimit" or "rate_limits": sent back under the server's own name
    QLabel* m_securityError = nullptr;
    QJsonObject m_securityLoaded;
    QMap<QString, QWidget*> m_securityEditors; // "section.key" → editor
    QMap<QString, QLabel*> m_fieldErrors; // "smtp.host" / "lockout.max_failures" → label under the field
};

} // namespace authshield::console
