#pragma once

#include "server/audit/AuditEvent.h"
#include "server/crypto/SecretBox.h"
#include "shared/Result.h"

#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QTimer>

#include <chrono>
#include <memory>
#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class KeyValueStore;
class KeyValueSubscriber;
struct ServerConfig;

enum class SmtpSecurity {
    ImplicitTls, // "tls": TLS from the first byte (port 465)
    StartTls, // "starttls": STARTTLS required; a server that does not offer it is refused
    Opportunistic, // "opportunistic": STARTTLS when offered (and then it must succeed), plain text otherwise
    None, // "none": plain text
};

QString smtpSecurityName(SmtpSecurity security);
std::optional<SmtpSecurity> smtpSecurityFromName(const QString& name);

// Everything needed to talk to one SMTP server. An empty host means "no SMTP": mail goes to .eml files.
struct SmtpSettings
{
    QString host;
    int port = 0; // 0 = 465 for ImplicitTls, else 587
    SmtpSecurity security = SmtpSecurity::StartTls;
    QString username; // empty = no AUTH
    QString password; // plaintext in memory only; sealed at rest, never in an answer, log or audit row
    QString fromAddress;
    QString fromName;
    QString replyTo;
    QString ehloName; // empty = this machine's host name
    QString caFile; // PEM; when set, the only CA trusted
    std::chrono::milliseconds timeout{std::chrono::seconds(30)}; // per protocol step

    bool isConfigured() const { return !host.isEmpty(); }
    int effectivePort() const;
    QString effectiveEhloName() const;
    QString fromMailbox() const; // "Name <address>" or the bare address

    // The config file's [smtp] section; from address/name default to [mail] from.
    static SmtpSettings fromConfig(const ServerConfig& config);
    // The admin API's view: every field but the password, plus "password_set".
    QJsonObject toPublicJson() const;
    // Applies a partial change (the PUT body). "password": "" clears it, an absent key keeps it. Fails with a
    // 422 naming each bad field.
    Result<SmtpSettings> changedBy(const QJsonObject& change) const;

    bool operator==(const SmtpSettings&) const = default;
};

// The SMTP settings every instance uses. The config file gives the fallback; a row in the settings table
// ("mail.smtp", the password sealed with the server's SecretBox) overrides it. Like SecuritySettings, every
// instance reloads when any instance publishes on the key-value store's "settings" channel, and periodically.
class SmtpSettingsStore final : public QObject
{
    Q_OBJECT

public:
    static QString settingsKey() { return QStringLiteral("mail.smtp"); }

    SmtpSettingsStore(SmtpSettings fallback, SecretBox secretBox, const Database& database, KeyValueStore& store,
                      const AuditLog& auditLog, const Clock& clock, QObject* parent);
    ~SmtpSettingsStore() override;

    // Loads the stored settings, then listens for changes (in the calling thread's event loop).
    void start(std::chrono::milliseconds reloadInterval = std::chrono::seconds(30));
    SmtpSettings current() const; // thread-safe copy
    bool isStored() const; // false: the config file's values are in force
    Result<void> reload();

    // PUT /admin/settings/smtp: validates, stores (password sealed) with the audit event settings.smtp.changed
    // (field names only, never the password) in one transaction, and tells every instance.
    Result<SmtpSettings> update(const QJsonObject& change, const QString& actorId, const RequestOrigin& origin);

Q_SIGNALS:
    void settingsChanged();

private:
    Result<std::optional<SmtpSettings>> load() const;
    void install(std::optional<SmtpSettings> stored);

    const SmtpSettings m_fallback;
    const SecretBox m_secretBox;
    const Database& m_database;
    KeyValueStore& m_store;
    const AuditLog& m_auditLog;
    const Clock& m_clock;
    mutable QMutex m_mutex;
    SmtpSettings m_current;
    bool m_stored = false;
    KeyValueSubscriber* m_subscriber = nullptr;
    QTimer m_reloadTimer;
};

} // namespace authshield::server
