#include "server/tokens/SigningKeyStore.h"

#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMutexLocker>

namespace authshield::server {

namespace {
QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

std::optional<QDateTime> optionalTime(const std::optional<qint64>& ms)
{
    return ms ? std::optional<QDateTime>(fromMs(*ms)) : std::nullopt;
}
} // namespace

SigningKeyStore::SigningKeyStore(const Database& database, const Clock& clock, const TokensConfig& config,
                                 SecretBox box)
    : m_database(database)
    , m_clock(clock)
    , m_config(config)
    , m_box(std::move(box))
    , m_keys(std::make_shared<KeySet>())
{
    m_algorithm = parseJwsAlgorithm(config.algorithm).value_or(JwsAlgorithm::EdDSA);
}

std::shared_ptr<const SigningKeyStore::KeySet> SigningKeyStore::snapshot() const
{
    QMutexLocker locker(&m_mutex);
    return m_keys;
}

Result<void> SigningKeyStore::initialise()
{
    if (!parseJwsAlgorithm(m_config.algorithm))
        return Error::make(ErrorCode::Internal,
                           QStringLiteral("[tokens] algorithm \"%1\" is not one of EdDSA, ES256, RS256, HS256")
                               .arg(m_config.algorithm));
    if (m_algorithm == JwsAlgorithm::HS256)
        return reload();
    if (Result<void> loaded = reload(); !loaded)
        return loaded;
    const std::shared_ptr<const KeySet> keys = snapshot();
    const bool usable = keys->current && keys->current->algorithm() == m_algorithm;
    if (usable)
        return success();
    Result<QString> rotated = rotate();
    if (!rotated)
        return rotated.error();
    Log::info(QStringLiteral("tokens"), QStringLiteral("signing key generated"),
              {{QStringLiteral("kid"), *rotated}, {QStringLiteral("alg"), m_config.algorithm}});
    return success();
}

Result<void> SigningKeyStore::reload()
{
    auto keys = std::make_shared<KeySet>();
    if (m_algorithm == JwsAlgorithm::HS256) {
        Result<SigningKey> key = SigningKey::hmac(m_config.hmacSecret.toUtf8());
        if (!key)
            return Error::make(ErrorCode::Internal, QStringLiteral("[tokens] hmac_secret: ") + key.error().message);
        keys->currentKid = key->kid();
        keys->current = *key;
        keys->byKid.insert(keys->currentKid, *key);
        keys->infos.append(SigningKeyInfo{keys->currentKid, QStringLiteral("HS256"), {}, {}, {}, true});
        QMutexLocker locker(&m_mutex);
        m_keys = std::move(keys);
        return success();
    }

    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    SqlQuery query = m_database.prepare(
        QStringLiteral("SELECT kid, alg, private_key, created_at, retired_at, expires_at FROM signing_keys "
                       "WHERE retired_at IS NULL OR expires_at > :now ORDER BY created_at DESC, kid"));
    query.bind(QStringLiteral(":now"), nowMs);
    if (Result<void> executed = query.exec(); !executed)
        return executed;
    while (query.next()) {
        const QString kid = query.string(0);
        const std::optional<JwsAlgorithm> alg = parseJwsAlgorithm(query.string(1));
        if (!alg || *alg == JwsAlgorithm::HS256) {
            Log::warning(QStringLiteral("tokens"), QStringLiteral("signing key with an unusable algorithm skipped"),
                         {{QStringLiteral("kid"), kid}});
            continue;
        }
        Result<QByteArray> der = m_box.open(query.blob(2), kid.toUtf8());
        if (!der)
            return Error::make(ErrorCode::Internal,
                               QStringLiteral("signing key %1 cannot be decrypted: is [secrets] encryption_key the "
                                              "one it was created with?")
                                   .arg(kid));
        Result<SigningKey> key = SigningKey::fromPrivateDer(*alg, *der);
        if (!key || key->kid() != kid)
            return Error::make(ErrorCode::Internal, QStringLiteral("signing key %1 is corrupt").arg(kid));
        SigningKeyInfo info;
        info.kid = kid;
        info.algorithm = jwsAlgorithmName(*alg);
        info.createdAt = fromMs(query.int64(3));
        info.retiredAt = optionalTime(query.optionalInt64(4));
        info.expiresAt = optionalTime(query.optionalInt64(5));
        // Newest active key signs; several active keys (instances racing on first start) all verify.
        if (!info.retiredAt && keys->currentKid.isEmpty()) {
            keys->currentKid = kid;
            keys->current = *key;
            info.current = true;
        }
        keys->byKid.insert(kid, *key);
        keys->infos.append(info);
    }
    QMutexLocker locker(&m_mutex);
    m_keys = std::move(keys);
    return success();
}

Result<QString> SigningKeyStore::insertNewKey(const QDateTime& now)
{
    Result<SigningKey> key = SigningKey::generate(m_algorithm);
    if (!key)
        return key.error();
    const QString kid = key->kid();
    const qint64 nowMs = now.toMSecsSinceEpoch();
    SqlQuery insert = m_database.prepare(
        QStringLiteral("INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, activated_at) "
                       "VALUES (:kid, :alg, :private_key, :public_jwk, :created_at, :created_at)"));
    insert.bind(QStringLiteral(":kid"), kid)
        .bind(QStringLiteral(":alg"), jwsAlgorithmName(m_algorithm))
        .bindBlob(QStringLiteral(":private_key"), m_box.seal(key->privateKeyBytes(), kid.toUtf8()))
        .bind(QStringLiteral(":public_jwk"),
              QString::fromUtf8(QJsonDocument(key->publicJwk()).toJson(QJsonDocument::Compact)))
        .bind(QStringLiteral(":created_at"), nowMs);
    if (Result<void> executed = insert.exec(); !executed)
        return executed.error();
    const qint64 expiresMs
        = nowMs + std::chrono::milliseconds(m_config.accessTtl + kReloadMargin).count();
    SqlQuery retire = m_database.prepare(QStringLiteral(
        "UPDATE signing_keys SET retired_at = :now, expires_at = :expires WHERE retired_at IS NULL AND kid <> :kid"));
    retire.bind(QStringLiteral(":now"), nowMs).bind(QStringLiteral(":expires"), expiresMs).bind(QStringLiteral(":kid"), kid);
    if (Result<void> executed = retire.exec(); !executed)
        return executed.error();
    return kid;
}

Result<QString> SigningKeyStore::rotate()
{
    if (m_algorithm == JwsAlgorithm::HS256)
        return Error::make(ErrorCode::Conflict,
                           QStringLiteral("HS256 keys come from [tokens] hmac_secret; change the secret to rotate"));
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    Result<QString> kid = insertNewKey(m_clock.now());
    if (!kid)
        return kid;
    if (Result<void> committed = tx->commit(); !committed)
        return committed.error();
    if (Result<void> loaded = reload(); !loaded)
        return loaded.error();
    return kid;
}

Result<QString> SigningKeyStore::rotateIfDue()
{
    if (m_config.keyRotationInterval.count() <= 0 || m_algorithm == JwsAlgorithm::HS256)
        return QString();
    const QDateTime now = m_clock.now();
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    // The row lock serialises instances deciding at the same moment; the age is then read by a new statement,
    // which (read committed) already sees a key another instance inserted while we waited.
    SqlQuery lock = m_database.prepare(
        QStringLiteral("SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
        + m_database.dialect().forUpdate());
    if (Result<void> executed = lock.exec(); !executed)
        return executed.error();
    SqlQuery newest = m_database.prepare(QStringLiteral("SELECT MAX(created_at) FROM signing_keys"));
    if (Result<void> executed = newest.exec(); !executed)
        return executed.error();
    const std::optional<qint64> newestMs = newest.next() ? newest.optionalInt64(0) : std::nullopt;
    const qint64 intervalMs = std::chrono::milliseconds(m_config.keyRotationInterval).count();
    if (newestMs && now.toMSecsSinceEpoch() - *newestMs < intervalMs)
        return QString();
    Result<QString> kid = insertNewKey(now);
    if (!kid)
        return kid;
    if (Result<void> committed = tx->commit(); !committed)
        return committed.error();
    if (Result<void> loaded = reload(); !loaded)
        return loaded.error();
    Log::info(QStringLiteral("tokens"), QStringLiteral("signing key rotated"), {{QStringLiteral("kid"), *kid}});
    return kid;
}

Result<SigningKey> SigningKeyStore::currentKey() const
{
    const std::shared_ptr<const KeySet> keys = snapshot();
    if (!keys->current)
        return Error::make(ErrorCode::ServiceUnavailable, QStringLiteral("no signing key is loaded"));
    return *keys->current;
}

std::optional<SigningKey> SigningKeyStore::lookup(const QString& kid)
{
    std::shared_ptr<const KeySet> keys = snapshot();
    auto found = keys->byKid.constFind(kid);
    if (found != keys->byKid.constEnd())
        return *found;
    if (kid.isEmpty() || m_algorithm == JwsAlgorithm::HS256)
        return std::nullopt;
    // Another instance may have rotated: look again, but never let forged kids hammer the database.
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    qint64 last = m_lastUnknownKidReloadMs.load();
    if (nowMs - last < kUnknownKidReloadInterval.count() || !m_lastUnknownKidReloadMs.compare_exchange_strong(last, nowMs))
        return std::nullopt;
    if (Result<void> loaded = reload(); !loaded) {
        Log::warning(QStringLiteral("tokens"), QStringLiteral("signing keys could not be reloaded"),
                     {{QStringLiteral("error"), loaded.error().message}});
        return std::nullopt;
    }
    keys = snapshot();
    found = keys->byKid.constFind(kid);
    if (found == keys->byKid.constEnd())
        return std::nullopt;
    return *found;
}

QJsonObject SigningKeyStore::jwks() const
{
    const std::shared_ptr<const KeySet> keys = snapshot();
    QJsonArray list;
    for (const SigningKeyInfo& info : keys->infos) {
        const auto key = keys->byKid.constFind(info.kid);
        const QJsonObject jwk = key == keys->byKid.constEnd() ? QJsonObject() : key->publicJwk();
        if (!jwk.isEmpty())
            list.append(jwk);
    }
    return QJsonObject{{QStringLiteral("keys"), list}};
}

QList<SigningKeyInfo> SigningKeyStore::keys() const
{
    return snapshot()->infos;
}

} // namespace authshield::server
