#include "tests/support/AuthCoreFixture.h"

#include "server/storage/SqlQuery.h"

#include <QJsonArray>
#include <QTest>

using namespace authshield;
using namespace authshield::test;
using namespace std::chrono_literals;

// TokenService, AccessTokenVerifier and SigningKeyStore with a manual clock: rotation, reuse, grace, lifetimes,
// revocation and key rotation.
class TestTokenService : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<AuthCore> m_core;
    QString m_userId;

    void makeCore(server::TokensConfig config = {})
    {
        server::PasswordConfig passwords;
        passwords.argon2MemoryKiB = 8 * 1024;
        passwords.argon2Iterations = 1;
        m_core = AuthCore::create(config, passwords);
        QVERIFY(m_core);
        m_userId = m_core->addUser(QStringLiteral("alice@example.com"), QStringLiteral("a long enough password"));
        QVERIFY(!m_userId.isEmpty());
    }

    server::TokenPair start()
    {
        Result<server::TokenPair> pair = m_core->tokens->startSession(m_userId, m_core->origin());
        return pair ? *pair : server::TokenPair {};
    }

    bool accepted(const QString& accessToken) { return m_core->verifier->verify(accessToken.toUtf8()).ok(); }

private Q_SLOTS:
    void cleanup() { m_core.reset(); }

    void rotationAndReuse()
    {
        makeCore();
        const server::TokenPair first = start();
        QVERIFY(accepted(first.accessToken));
        Result<server::TokenPair> second = m_core->tokens->refresh(first.refreshToken, m_core->origin());
        QVERIFY(second);
        QCOMPARE(second->sessionId, first.sessionId);
        QVERIFY(accepted(second->accessToken));
        Result<server::TokenPair> reused = m_core->tokens->refresh(first.refreshToken, m_core->origin());
        QVERIFY(!reused);
        QCOMPARE(reused.error().code, ErrorCode::RefreshTokenReused);
        QVERIFY(!accepted(second->accessToken)); // the family is gone, locally at once
        QVERIFY(m_core->revocations->isSessionRevoked(first.sessionId));
        Result<server::TokenPair> child = m_core->tokens->refresh(second->refreshToken, m_core->origin());
        QCOMPARE(child.error().code, ErrorCode::InvalidRefreshToken);
    }

    void graceWindowRefusesWithoutRevoking()
    {
        server::TokensConfig config;
        config.refreshReuseGrace = 10s;
        makeCore(config);
        const server::TokenPair first = start();
        Result<server::TokenPair> second = m_core->tokens->refresh(first.refreshToken, m_core->origin());
        QVERIFY(second);
        m_core->clock.advance(5s);
        Result<server::TokenPair> retry = m_core->tokens->refresh(first.refreshToken, m_core->origin());
        QCOMPARE(retry.error().code, ErrorCode::InvalidRefreshToken);
        QVERIFY(accepted(second->accessToken)); // nothing revoked
        m_core->clock.advance(6s); // past the grace: now it is reuse
        Result<server::TokenPair> late = m_core->tokens->refresh(first.refreshToken, m_core->origin());
        QCOMPARE(late.error().code, ErrorCode::RefreshTokenReused);
        QVERIFY(!accepted(second->accessToken));
    }

    void idleAndAbsoluteLifetimes()
    {
        server::TokensConfig config;
        config.refreshIdleTtl = 1h;
        config.refreshTtl = 3h;
        makeCore(config);
        server::TokenPair pair = start();
        QCOMPARE(pair.refreshExpiresIn, qint64(3600));
        // Used every 50 minutes the family lives on, but never past the absolute lifetime.
        for (int i = 0; i < 3; ++i) {
            m_core->clock.advance(50min);
            Result<server::TokenPair> next = m_core->tokens->refresh(pair.refreshToken, m_core->origin());
            QVERIFY2(next, qPrintable(QStringLiteral("refresh %1").arg(i)));
            pair = *next;
        }
        QCOMPARE(pair.refreshExpiresIn, qint64(30 * 60)); // capped by the absolute end (3 h after login)
        m_core->clock.advance(31min);
        QCOMPARE(m_core->tokens->refresh(pair.refreshToken, m_core->origin()).error().code,
                 ErrorCode::InvalidRefreshToken);

        const server::TokenPair idle = start();
        m_core->clock.advance(61min);
        QCOMPARE(m_core->tokens->refresh(idle.refreshToken, m_core->origin()).error().code,
                 ErrorCode::InvalidRefreshToken);
        Result<QList<server::Session>> active = m_core->sessions->listActive(m_userId);
        QVERIFY(active && active->isEmpty()); // expired sessions are never listed
    }

    void disabledUserCannotRefresh()
    {
        makeCore();
        const server::TokenPair pair = start();
        QVERIFY(m_core->users->setStatus(m_userId, server::UserStatus::Disabled).ok());
        QCOMPARE(m_core->tokens->refresh(pair.refreshToken, m_core->origin()).error().code,
                 ErrorCode::InvalidRefreshToken);
    }

    void accessTokenExpiryIsCheckedOnCacheHits()
    {
        makeCore();
        const server::TokenPair pair = start();
        QVERIFY(accepted(pair.accessToken));
        QCOMPARE(m_core->verifier->cache().size(), 1);
        m_core->clock.advance(std::chrono::seconds(900) + server::AccessTokenVerifier::kLeeway - 1s);
        QVERIFY(accepted(pair.accessToken));
        m_core->clock.advance(1s);
        Result<server::AccessTokenClaims> expired = m_core->verifier->verify(pair.accessToken.toUtf8());
        QCOMPARE(expired.error().code, ErrorCode::InvalidToken);
        QCOMPARE(expired.error().message, QStringLiteral("expired"));
    }

    void revokeAllExceptOne()
    {
        makeCore();
        const server::TokenPair keep = start();
        const server::TokenPair other = start();
        const server::TokenPair third = start();
        Result<int> revoked = m_core->tokens->revokeAllSessions(m_userId, QStringLiteral("password_changed"),
                                                                m_core->origin(), keep.sessionId);
        QVERIFY(revoked);
        QCOMPARE(*revoked, 2);
        QVERIFY(accepted(keep.accessToken));
        QVERIFY(!accepted(other.accessToken));
        QVERIFY(!accepted(third.accessToken));
        Result<QList<server::Session>> active = m_core->sessions->listActive(m_userId);
        QVERIFY(active);
        QCOMPARE(active->size(), 1);
        QCOMPARE(active->first().id, keep.sessionId);
    }

    void logoutBlocklistsTheTokenAndEndsTheFamily()
    {
        makeCore();
        const server::TokenPair pair = start();
        Result<server::AccessTokenClaims> claims = m_core->verifier->verify(pair.accessToken.toUtf8());
        QVERIFY(claims);
        const server::TokenHolder holder { claims->userId, claims->sessionId, claims->tokenId,
                                           QDateTime::fromMSecsSinceEpoch(claims->expiresAtMs, Qt::UTC) };
        QVERIFY(m_core->tokens->logout(holder, std::nullopt, m_core->origin()).ok());
        QVERIFY(m_core->revocations->isTokenBlocked(claims->tokenId));
        QVERIFY(!accepted(pair.accessToken));
        QCOMPARE(m_core->tokens->refresh(pair.refreshToken, m_core->origin()).error().code,
                 ErrorCode::InvalidRefreshToken);
    }

    void sessionRevocationOnlyByOwner()
    {
        makeCore();
        const server::TokenPair pair = start();
        const QString mallory
            = m_core->addUser(QStringLiteral("mallory@example.com"), QStringLiteral("another password"));
        QCOMPARE(m_core->sessions->revoke(mallory, pair.sessionId, QStringLiteral("x"), m_core->origin()).error().code,
                 ErrorCode::NotFound);
        QVERIFY(accepted(pair.accessToken));
        QVERIFY(m_core->sessions->revoke(m_userId, pair.sessionId, QStringLiteral("x"), m_core->origin()).ok());
        QVERIFY(!accepted(pair.accessToken));
        QCOMPARE(m_core->sessions->revoke(m_userId, pair.sessionId, QStringLiteral("x"), m_core->origin()).error().code,
                 ErrorCode::NotFound);
    }

    void lastSeenIsWrittenAtMostOncePerMinute()
    {
        makeCore();
        const server::TokenPair pair = start();
        auto lastSeen = [this, &pair] {
            server::SqlQuery query
                = m_core->database->prepare(QStringLiteral("SELECT last_seen_at FROM sessions WHERE id = :id"));
            query.bind(QStringLiteral(":id"), pair.sessionId);
            return query.exec().ok() && query.next() ? query.int64(0) : -1;
        };
        const qint64 created = lastSeen();
        m_core->clock.advance(30s);
        m_core->sessions->touch(pair.sessionId); // first touch is recorded
        QVERIFY(m_core->sessions->flushLastSeen().ok());
        QCOMPARE(lastSeen(), created + 30'000);
        m_core->clock.advance(30s);
        m_core->sessions->touch(pair.sessionId); // within the minute: not recorded
        QVERIFY(m_core->sessions->flushLastSeen().ok());
        QCOMPARE(lastSeen(), created + 30'000);
        m_core->clock.advance(31s);
        m_core->sessions->touch(pair.sessionId);
        QVERIFY(m_core->sessions->flushLastSeen().ok());
        QCOMPARE(lastSeen(), created + 91'000);
    }

    void keyRotationKeepsThePreviousKeyUntilItsTokensExpire()
    {
        makeCore();
        const server::TokenPair before = start();
        const QString oldKid = m_core->keys->keys().first().kid;
        Result<QString> newKid = m_core->keys->rotate();
        QVERIFY(newKid);
        QVERIFY(*newKid != oldKid);
        QCOMPARE(m_core->keys->jwks().value(QStringLiteral("keys")).toArray().size(), 2);
        QVERIFY(accepted(before.accessToken));
        const server::TokenPair after = start();
        QVERIFY(accepted(after.accessToken));
        // Past access_ttl + the reload margin the old key is gone from the JWKS.
        m_core->clock.advance(std::chrono::seconds(900) + server::SigningKeyStore::kReloadMargin + 1s);
        QVERIFY(m_core->keys->reload().ok());
        const QJsonArray keys = m_core->keys->jwks().value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.first().toObject().value(QStringLiteral("kid")).toString(), *newKid);
    }

    void automaticRotationHonoursTheInterval()
    {
        server::TokensConfig config;
        config.keyRotationInterval = 24h;
        makeCore(config);
        Result<QString> early = m_core->keys->rotateIfDue();
        QVERIFY(early);
        QVERIFY(early->isEmpty());
        m_core->clock.advance(24h);
        Result<QString> due = m_core->keys->rotateIfDue();
        QVERIFY(due && !due->isEmpty());
        Result<QString> again = m_core->keys->rotateIfDue(); // a second instance deciding right after
        QVERIFY(again && again->isEmpty());
    }

    void algorithmsCanBeChosen_data()
    {
        QTest::addColumn<QString>("algorithm");
        QTest::addRow("EdDSA") << "EdDSA";
        QTest::addRow("ES256") << "ES256";
        QTest::addRow("RS256") << "RS256";
    }

    void algorithmsCanBeChosen()
    {
        QFETCH(QString, algorithm);
        server::TokensConfig config;
        config.algorithm = algorithm;
        makeCore(config);
        const server::TokenPair pair = start();
        QVERIFY(accepted(pair.accessToken));
        const QJsonArray keys = m_core->keys->jwks().value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.first().toObject().value(QStringLiteral("alg")).toString(), algorithm);
    }

    void hs256IsNeverPublished()
    {
        server::TokensConfig config;
        config.algorithm = QStringLiteral("HS256");
        config.hmacSecret = QStringLiteral("0123456789abcdef0123456789abcdef-secret");
        makeCore(config);
        const server::TokenPair pair = start();
        QVERIFY(accepted(pair.accessToken));
        QVERIFY(m_core->keys->jwks().value(QStringLiteral("keys")).toArray().isEmpty());
        QVERIFY(!m_core->keys->rotate()); // comes from the configuration
        server::SqlQuery stored = m_core->database->prepare(QStringLiteral("SELECT COUNT(*) FROM signing_keys"));
        QVERIFY(stored.exec().ok() && stored.next());
        QCOMPARE(stored.int64(0), 0);
    }
};

QTEST_GUILESS_MAIN(TestTokenService)
#include "tst_token_service.moc"
