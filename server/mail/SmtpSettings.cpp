#include "server/mail/SmtpSettings.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Config.h"
#include "server/core/Log.h"
#include "server/mail/MimeMessage.h"
#include "server/storage/Database.h"
#include "server/storage/KeyValueStore.h"
#include "server/storage/KeyValueSubscriber.h"
#include "server/storage/SettingsFollower.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QFileInfo>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
// Binds the sealed password to its purpose: a sealed value copied into another row does not open.
const QByteArray kPasswordPurpose = QByteArrayLiteral("authshield:settings:mail.smtp:password");

const QStringList kFields
    = { u"host"_s,      u"port"_s,     u"security"_s,  u"username"_s, u"password"_s,       u"from_address"_s,
        u"from_name"_s, u"reply_to"_s, u"ehlo_name"_s, u"ca_file"_s,  u"timeout_seconds"_s };

bool looksLikeAddress(const QString& value)
{
    const qsizetype at = value.indexOf(u'@');
    return at > 0 && at == value.lastIndexOf(u'@') && at < value.size() - 1 && !value.contains(u' ')
        && !value.contains(u'<') && !value.contains(u'>') && !value.contains(u'\r') && !value.contains(u'\n');
}

bool hasControl(const QString& value)
{
    for (const QChar c : value)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return true;
    return false;
}
} // namespace

QString smtpSecurityName(SmtpSecurity security)
{
    switch (security) {
    case SmtpSecurity::ImplicitTls:
        return u"tls"_s;
    case SmtpSecurity::StartTls:
        return u"starttls"_s;
    case SmtpSecurity::Opportunistic:
        return u"opportunistic"_s;
    case SmtpSecurity::None:
        return u"none"_s;
    }
    return u"starttls"_s;
}

std::optional<SmtpSecurity> smtpSecurityFromName(const QString& name)
{
    for (SmtpSecurity s :
         { SmtpSecurity::ImplicitTls, SmtpSecurity::StartTls, SmtpSecurity::Opportunistic, SmtpSecurity::None })
        if (smtpSecurityName(s) == name)
            return s;
    return std::nullopt;
}

int SmtpSettings::effectivePort() const
{
    if (port > 0)
        return port;
    return security == SmtpSecurity::ImplicitTls ? 465 : 587;
}

QString SmtpSettings::effectiveEhloName() const
{
    if (!ehloName.isEmpty())
        return ehloName;
    const QString local = QHostInfo::localHostName();
    return local.isEmpty() ? u"localhost"_s : local;
}

QString SmtpSettings::fromMailbox() const
{
    if (fromName.isEmpty())
        return fromAddress;
    return fromName + u" <"_s + fromAddress + u'>';
}

SmtpSettings SmtpSettings::fromConfig(const ServerConfig& config)
{
    const SmtpConfig& smtp = config.smtp;
    SmtpSettings settings;
    settings.host = smtp.host;
    settings.port = smtp.port;
    settings.security = smtpSecurityFromName(smtp.security).value_or(SmtpSecurity::StartTls);
    settings.username = smtp.username;
    settings.password = smtp.password;
    settings.fromAddress = smtp.fromAddress.isEmpty() ? MimeMessage::address(config.mail.from) : smtp.fromAddress;
    if (!smtp.fromName.isEmpty()) {
        settings.fromName = smtp.fromName;
    } else {
        const qsizetype open = config.mail.from.indexOf(u'<');
        if (open > 0)
            settings.fromName = config.mail.from.left(open).trimmed().remove(u'"');
    }
    settings.replyTo = smtp.replyTo;
    settings.ehloName = smtp.ehloName;
    settings.caFile = smtp.caFile;
    settings.timeout = smtp.timeout;
    return settings;
}

QJsonObject SmtpSettings::toPublicJson() const
{
    return QJsonObject { { u"host"_s, host },
                         { u"port"_s, port },
                         { u"effective_port"_s, effectivePort() },
                         { u"security"_s, smtpSecurityName(security) },
                         { u"username"_s, username },
                         { u"password_set"_s, !password.isEmpty() },
                         { u"from_address"_s, fromAddress },
                         { u"from_name"_s, fromName },
                         { u"reply_to"_s, replyTo },
                         { u"ehlo_name"_s, ehloName },
                         { u"ca_file"_s, caFile },
                         { u"timeout_seconds"_s, static_cast<qint64>(timeout.count() / 1000) } };
}

Result<SmtpSettings> SmtpSettings::changedBy(const QJsonObject& change) const
{
    SmtpSettings next = *this;
    QMap<QString, QString> problems;
    auto text = [&](const QString& name, int maxLength, QString& target) {
        if (!change.contains(name))
            return false;
        const QJsonValue value = change.value(name);
        if (!value.isString() && !value.isNull()) {
            problems.insert(name, u"must be a string"_s);
            return false;
        }
        const QString string = value.toString();
        if (string.size() > maxLength) {
            problems.insert(name, u"must be at most %1 characters"_s.arg(maxLength));
            return false;
        }
        if (hasControl(string)) {
            problems.insert(name, u"must not contain control characters"_s);
            return false;
        }
        target = name == u"password"_s ? string : string.trimmed();
        return true;
    };

    for (auto it = change.begin(); it != change.end(); ++it)
        if (!kFields.contains(it.key()))
            problems.insert(it.key(), u"is not an SMTP setting"_s);

    if (text(u"host"_s, 253, next.host) && (next.host.contains(u' ') || next.host.contains(u'/')))
        problems.insert(u"host"_s, u"must be a host name or IP address"_s);
    if (change.contains(u"port"_s)) {
        const QJsonValue value = change.value(u"port"_s);
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != static_cast<int>(number) || number < 0 || number > 65535)
            problems.insert(u"port"_s,
                            u"must be a whole number between 0 and 65535 (0 = default for the security mode)"_s);
        else
            next.port = static_cast<int>(number);
    }
    QString security;
    if (text(u"security"_s, 20, security)) {
        const auto parsed = smtpSecurityFromName(security);
        if (!parsed)
            problems.insert(u"security"_s, u"must be one of tls, starttls, opportunistic, none"_s);
        else
            next.security = *parsed;
    }
    text(u"username"_s, 256, next.username);
    text(u"password"_s, 1024, next.password);
    if (text(u"from_address"_s, 254, next.fromAddress) && !looksLikeAddress(next.fromAddress))
        problems.insert(u"from_address"_s, u"must be an email address"_s);
    text(u"from_name"_s, 128, next.fromName);
    if (text(u"reply_to"_s, 254, next.replyTo) && !next.replyTo.isEmpty() && !looksLikeAddress(next.replyTo))
        problems.insert(u"reply_to"_s, u"must be an email address or empty"_s);
    if (text(u"ehlo_name"_s, 253, next.ehloName) && next.ehloName.contains(u' '))
        problems.insert(u"ehlo_name"_s, u"must be a host name"_s);
    if (text(u"ca_file"_s, 4096, next.caFile) && !next.caFile.isEmpty() && !QFileInfo(next.caFile).isReadable())
        problems.insert(u"ca_file"_s, u"is not a readable file on the server"_s);
    if (change.contains(u"timeout_seconds"_s)) {
        const QJsonValue value = change.value(u"timeout_seconds"_s);
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != static_cast<int>(number) || number < 1 || number > 300)
            problems.insert(u"timeout_seconds"_s, u"must be a whole number between 1 and 300"_s);
        else
            next.timeout = std::chrono::seconds(static_cast<int>(number));
    }
    if (!problems.contains(u"from_address"_s) && next.isConfigured() && !looksLikeAddress(next.fromAddress))
        problems.insert(u"from_address"_s, u"is required when a host is set"_s);
    if (!problems.isEmpty())
        return Error { ErrorCode::ValidationFailed, u"invalid SMTP settings"_s, problems };
    return next;
}

SmtpSettingsStore::SmtpSettingsStore(SmtpSettings fallback, SecretBox secretBox, const Database& database,
                                     KeyValueStore& store, const AuditLog& auditLog, const Clock& clock,
                                     QObject* parent)
    : QObject(parent)
    , m_fallback(std::move(fallback))
    , m_secretBox(std::move(secretBox))
    , m_database(database)
    , m_store(store)
    , m_auditLog(auditLog)
    , m_clock(clock)
    , m_current(m_fallback)
    , m_reloadTimer(this)
{
}

SmtpSettingsStore::~SmtpSettingsStore() = default;

void SmtpSettingsStore::start(std::chrono::milliseconds reloadInterval)
{
    if (Result<void> loaded = reload(); !loaded)
        Log::warning(u"settings"_s, u"SMTP settings not loaded; using the config file's"_s,
                     { { u"error"_s, loaded.error().message } });
    m_subscriber = followSettings(this, m_store, m_reloadTimer, reloadInterval, [this] { (void)reload(); });
}

SmtpSettings SmtpSettingsStore::current() const
{
    QMutexLocker locker(&m_mutex);
    return m_current;
}

bool SmtpSettingsStore::isStored() const
{
    QMutexLocker locker(&m_mutex);
    return m_stored;
}

Result<std::optional<SmtpSettings>> SmtpSettingsStore::load() const
{
    SqlQuery row = m_database.prepare(u"SELECT value FROM settings WHERE key = :key"_s);
    row.bind(u":key"_s, settingsKey());
    if (Result<void> read = row.exec(); !read)
        return read.error();
    if (!row.next())
        return std::optional<SmtpSettings>();
    const QJsonObject value = QJsonDocument::fromJson(row.string(0).toUtf8()).object();
    QJsonObject change = value;
    change.remove(u"password_sealed"_s);
    change.remove(u"password"_s);
    // Stored settings are complete: start from empty values, not from the config file's.
    SmtpSettings empty;
    Result<SmtpSettings> settings = empty.changedBy(change);
    if (!settings)
        return Error::make(ErrorCode::Internal, u"the stored SMTP settings are invalid: "_s + settings.error().message);
    const QByteArray sealed = QByteArray::fromBase64(value.value(u"password_sealed"_s).toString().toLatin1());
    if (!sealed.isEmpty()) {
        Result<QByteArray> opened = m_secretBox.open(sealed, kPasswordPurpose);
        if (!opened)
            return Error::make(ErrorCode::Internal,
                               u"the stored SMTP password cannot be decrypted (was secrets.encryption_key changed?)"_s);
        settings->password = QString::fromUtf8(*opened);
    }
    return std::optional<SmtpSettings>(std::move(settings).value());
}

void SmtpSettingsStore::install(std::optional<SmtpSettings> stored)
{
    bool changed = false;
    {
        QMutexLocker locker(&m_mutex);
        SmtpSettings next = stored ? std::move(*stored) : m_fallback;
        changed = !(next == m_current) || m_stored != stored.has_value();
        m_current = std::move(next);
        m_stored = stored.has_value();
    }
    if (changed)
        Q_EMIT settingsChanged();
}

Result<void> SmtpSettingsStore::reload()
{
    Result<std::optional<SmtpSettings>> loaded = load();
    if (!loaded) {
        Log::warning(u"settings"_s, u"SMTP settings could not be reloaded; keeping the cached ones"_s,
                     { { u"error"_s, loaded.error().message } });
        return loaded.error();
    }
    install(std::move(loaded).value());
    return success();
}

Result<SmtpSettings> SmtpSettingsStore::update(const QJsonObject& change, const QString& actorId,
                                               const RequestOrigin& origin)
{
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    Result<std::optional<SmtpSettings>> stored = load();
    if (!stored)
        return stored.error();
    const SmtpSettings before = stored->value_or(m_fallback);
    Result<SmtpSettings> after = before.changedBy(change);
    if (!after)
        return after.error();

    QJsonObject value = after->toPublicJson();
    value.remove(u"password_set"_s);
    value.remove(u"effective_port"_s);
    if (!after->password.isEmpty())
        value.insert(u"password_sealed"_s,
                     QString::fromLatin1(m_secretBox.seal(after->password.toUtf8(), kPasswordPurpose).toBase64()));
    SqlQuery upsert = m_database.prepare(
        u"INSERT INTO settings (key, value, updated_at, updated_by) VALUES (:key, :value, :at, :by) "
        u"ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
        u"updated_by = excluded.updated_by"_s);
    upsert.bind(u":key"_s, settingsKey())
        .bind(u":value"_s, QString::fromUtf8(QJsonDocument(value).toJson(QJsonDocument::Compact)))
        .bind(u":at"_s, m_clock.now().toMSecsSinceEpoch());
    if (actorId.isEmpty())
        upsert.bindNull(u":by"_s);
    else
        upsert.bind(u":by"_s, actorId);
    if (Result<void> written = upsert.exec(); !written)
        return written.error();

    // Which fields changed, with values for everything but the password (only whether it changed).
    QJsonArray changedFields;
    const QJsonObject beforeJson = before.toPublicJson();
    const QJsonObject afterJson = after->toPublicJson();
    for (const QString& field : kFields) {
        if (field == u"password"_s) {
            if (before.password != after->password)
                changedFields.append(
                    QJsonObject { { u"field"_s, field }, { u"password_set"_s, !after->password.isEmpty() } });
            continue;
        }
        if (beforeJson.value(field) != afterJson.value(field))
            changedFields.append(QJsonObject {
                { u"field"_s, field }, { u"from"_s, beforeJson.value(field) }, { u"to"_s, afterJson.value(field) } });
    }
    AuditEvent event;
    event.type = u"settings.smtp.changed"_s;
    event.actorId = actorId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.details = QJsonObject { { u"changes"_s, changedFields } };
    if (Result<qint64> recorded = m_auditLog.record(event); !recorded)
        return recorded.error();
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();

    install(*after);
    if (Result<void> published = m_store.publish(QByteArrayLiteral("settings"), QByteArrayLiteral("smtp")); !published)
        Log::warning(u"settings"_s, u"could not notify other instances of the SMTP settings change"_s,
                     { { u"error"_s, published.error().message } });
    return after;
}

} // namespace authshield::server
