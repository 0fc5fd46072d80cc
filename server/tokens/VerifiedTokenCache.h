#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace authshield::server {

// What the auth guard needs from a verified access token.
struct AccessTokenClaims
{
    QString userId; // sub
    QString sessionId; // sid
    QString tokenId; // jti
    QStringList roles;
    QString scope;
    qint64 expiresAtMs = 0; // exp
    qint64 acceptUntilMs = 0; // exp plus the verifier's leeway: checked on every cache hit
};

// Already-verified tokens keyed by the whole token string, so a repeated token skips signature verification
// (≈ 40 µs). Bounded: CLOCK eviction over a fixed ring of slots. Callers still check expiry and revocation on
// every hit. Thread-safe.
class VerifiedTokenCache
{
public:
    explicit VerifiedTokenCache(int capacity = 10000);

    std::optional<AccessTokenClaims> find(const QByteArray& token);
    void insert(const QByteArray& token, const AccessTokenClaims& claims);
    int size() const;
    int capacity() const { return m_capacity; }

private:
    struct Slot
    {
        QByteArray token;
        AccessTokenClaims claims;
        bool referenced = false;
        bool used = false;
    };

    const int m_capacity;
    mutable QMutex m_mutex;
    std::vector<Slot> m_slots;
    QHash<QByteArray, int> m_index;
    int m_hand = 0;
};

} // namespace authshield::server
