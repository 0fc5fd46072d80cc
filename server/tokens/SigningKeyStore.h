#pragma once

#include "server/core/Config.h"
#include "server/crypto/SecretBox.h"
#include "server/crypto/SigningKey.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace authshield::server {

class Clock;
class Database;

struct SigningKeyInfo
{
    QString kid;
    QString algorithm;
    QDateTime createdAt;
    std::optional<QDateTime> retiredAt;
    std::optional<QDateTime> expiresAt; // retired keys verify until then
    bool current = false;
};

// The token signing keys in signing_keys, shared by every instance of one database. Private keys are stored
// only sealed (SecretBox with the configured encryption key, associated data = kid). The newest active key
// signs; a rotated-out key keeps verifying until every token it may have signed has expired (expires_at =
// retired_at + access_ttl + kReloadMargin, the margin covering instances that have not reloaded yet).
// HS256 keys come only from [tokens] hmac_secret: never stored, never published.
// Thread-safe: the key set is an immutable snapshot swapped under a mutex.
class SigningKeyStore
{
public:
    // How stale another instance's view may be: ServerContext reloads at least this often.
    static constexpr std::chrono::seconds kReloadInterval{15};
    static constexpr std::chrono::seconds kReloadMargin{60};
    // An unknown kid triggers a reload (another instance rotated) at most this often.
    static constexpr std::chrono::milliseconds kUnknownKidReloadInterval{2000};

    SigningKeyStore(const Database& database, const Clock& clock, const TokensConfig& config, SecretBox box);

    // Loads the keys, generating the first one (or a key of the configured algorithm when it changed).
    Result<void> initialise();
    Result<void> reload();
    // Unconditionally makes a new current key; returns its kid.
    Result<QString> rotate();
    // Automatic rotation: rotates only when [tokens] key_rotation_interval > 0 and the newest key (of any
    // instance) is at least that old; the check runs under a row lock so instances sharing a database
    // rotate once. Returns the new kid, or an empty string when nothing was due.
    Result<QString> rotateIfDue();

    Result<SigningKey> currentKey() const;
    // A key that may verify tokens now (current or recently retired); an unknown kid reloads, rate-limited.
    std::optional<SigningKey> lookup(const QString& kid);
    // {"keys":[…]}: the current and still-verifying previous public keys (empty for HS256).
    QJsonObject jwks() const;
    QList<SigningKeyInfo> keys() const;

private:
    struct KeySet
    {
        QHash<QString, SigningKey> byKid;
        QString currentKid;
        std::optional<SigningKey> current;
        QList<SigningKeyInfo> infos;
    };

    Result<QString> insertNewKey(const QDateTime& now);
    std::shared_ptr<const KeySet> snapshot() const;

    const Database& m_database;
    const Clock& m_clock;
    const TokensConfig m_config;
    const SecretBox m_box;
    JwsAlgorithm m_algorithm = JwsAlgorithm::EdDSA;
    mutable QMutex m_mutex;
    std::shared_ptr<const KeySet> m_keys;
    std::atomic<qint64> m_lastUnknownKidReloadMs{0};
};

} // namespace authshield::server
