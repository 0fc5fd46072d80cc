#include "server/crypto/Base64Url.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/crypto/Sha256.h"
#include "server/crypto/SigningKey.h"
#include "server/tokens/Jwt.h"
#include "server/tokens/JwtVerifier.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTest>

using namespace authshield::server;

namespace {

const QString kIssuer = QStringLiteral("https://auth.example.test");
const QString kAudience = QStringLiteral("authshield");
const QJsonValue kRemoved { QJsonValue::Undefined }; // claimsWith(name, kRemoved) drops the claim

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString assemble(const QByteArray& headerJson, const QByteArray& payloadJson, const QByteArray& signature)
{
    return QString::fromLatin1(Base64Url::encode(headerJson) + '.' + Base64Url::encode(payloadJson) + '.'
                               + Base64Url::encode(signature));
}

// Signs exactly the given header (alg/kid untouched), as an attacker holding the key bytes would.
QString signAs(const QByteArray& headerJson, const QByteArray& payloadJson, const SigningKey& key)
{
    const QByteArray input = Base64Url::encode(headerJson) + '.' + Base64Url::encode(payloadJson);
    return QString::fromLatin1(input + '.' + Base64Url::encode(key.sign(input)));
}

QString hmacForgery(const QByteArray& headerJson, const QByteArray& payloadJson, const QByteArray& secret)
{
    const QByteArray input = Base64Url::encode(headerJson) + '.' + Base64Url::encode(payloadJson);
    return QString::fromLatin1(input + '.' + Base64Url::encode(HmacSha256::mac(secret, input)));
}

} // namespace

class TestJwt : public QObject
{
    Q_OBJECT

private:
    QHash<QString, SigningKey> m_keys;
    std::optional<SigningKey> m_ed;
    std::optional<SigningKey> m_es;
    std::optional<SigningKey> m_rs;
    std::optional<SigningKey> m_hs;
    std::optional<SigningKey> m_unpublishedEd;
    const QDateTime m_now = QDateTime(QDate(2025, 3, 1), QTime(12, 0), Qt::UTC);

    QJsonObject claimsAt(const QDateTime& now) const
    {
        const qint64 t = now.toSecsSinceEpoch();
        return { { QStringLiteral("iss"), kIssuer },
                 { QStringLiteral("aud"), kAudience },
                 { QStringLiteral("sub"), QStringLiteral("user-42") },
                 { QStringLiteral("iat"), t - 5 },
                 { QStringLiteral("nbf"), t - 5 },
                 { QStringLiteral("exp"), t + 900 },
                 { QStringLiteral("jti"), QStringLiteral("jti-1") },
                 { QStringLiteral("scope"), QStringLiteral("openid") } };
    }
    QJsonObject claims() const { return claimsAt(m_now); }
    QJsonObject claimsWith(const QString& name, const QJsonValue& value) const
    {
        QJsonObject c = claims();
        if (value.isUndefined()) {
            c.remove(name);
        } else {
            c.insert(name, value);
        }
        return c;
    }
    static QJsonObject accessHeader() { return { { QStringLiteral("typ"), QStringLiteral("at+jwt") } }; }
    QJsonObject headerFor(const SigningKey& key, const QString& alg = {}) const
    {
        return { { QStringLiteral("typ"), QStringLiteral("at+jwt") },
                 { QStringLiteral("alg"), alg.isEmpty() ? jwsAlgorithmName(key.algorithm()) : alg },
                 { QStringLiteral("kid"), key.kid() } };
    }
    QString token(const QJsonObject& claims, const SigningKey& key, const QJsonObject& header = accessHeader()) const
    {
        const auto encoded = Jwt::encode(header, claims, key);
        return encoded.ok() ? *encoded : QString();
    }
    JwtVerifier verifier() const
    {
        return JwtVerifier([keys = m_keys](const QString& kid) -> std::optional<SigningKey> {
            const auto it = keys.constFind(kid);
            return it == keys.constEnd() ? std::nullopt : std::optional<SigningKey>(*it);
        });
    }
    JwtExpectations expectations() const { return JwtExpectations { kIssuer, kAudience, m_now }; }

    static QByteArray runJose(const QJsonObject& input, int* exitCode, QByteArray* errors)
    {
        QProcess node;
        node.start(QStringLiteral("node"), { QStringLiteral(AUTHSHIELD_TEST_JS_DIR "/verify-jwt.mjs") });
        if (!node.waitForStarted(10000)) {
            *exitCode = -1;
            *errors = "node could not be started: " + node.errorString().toUtf8();
            return {};
        }
        node.write(json(input));
        node.closeWriteChannel();
        if (!node.waitForFinished(60000) || node.exitStatus() != QProcess::NormalExit) {
            node.kill();
            node.waitForFinished(5000);
            *exitCode = -1;
            *errors = "node did not finish";
            return {};
        }
        *exitCode = node.exitCode();
        *errors = node.readAllStandardError();
        return node.readAllStandardOutput();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(CryptoRuntime::initialise().ok());
        m_ed = *SigningKey::generate(JwsAlgorithm::EdDSA);
        m_es = *SigningKey::generate(JwsAlgorithm::ES256);
        m_rs = *SigningKey::generate(JwsAlgorithm::RS256);
        m_hs = *SigningKey::generate(JwsAlgorithm::HS256);
        m_unpublishedEd = *SigningKey::generate(JwsAlgorithm::EdDSA);
        for (const auto* key : { &m_ed, &m_es, &m_rs, &m_hs }) {
            m_keys.insert((*key)->kid(), **key);
        }
    }

    void rfc8037Ed25519Signature()
    {
        // RFC 8037 Appendix A.4: Ed25519 is deterministic, so our signature must equal the RFC's.
        const QByteArray seed = *Base64Url::decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
        const auto key = SigningKey::fromPrivateDer(JwsAlgorithm::EdDSA,
                                                    QByteArray::fromHex("302e020100300506032b657004220420") + seed);
        QVERIFY(key.ok());
        const QByteArray input = QByteArrayLiteral("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
        const QByteArray expected = QByteArrayLiteral(
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
        QCOMPARE(Base64Url::encode(key->sign(input)), expected);
        QVERIFY(key->verify(input, *Base64Url::decode(expected)));
        // The RFC's token carries no kid, so our verifier cannot pick a key for it.
        const auto result = JwtVerifier([&key](const QString&) {
                                return std::optional<SigningKey>(*key);
                            }).verify(input + '.' + expected, expectations());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().message, QString(JwtRejection::UnknownKid));
    }

    void encodeSetsAlgAndKidFromTheKey()
    {
        QJsonObject header = accessHeader();
        header.insert(QStringLiteral("alg"), QStringLiteral("none"));
        header.insert(QStringLiteral("kid"), QStringLiteral("attacker"));
        const QString jwt = token(claims(), *m_ed, header);
        const QStringList parts = jwt.split(QLatin1Char('.'));
        QCOMPARE(parts.size(), 3);
        for (const auto& part : parts) {
            QVERIFY(!part.contains(QLatin1Char('=')));
        }
        const QJsonObject decoded = QJsonDocument::fromJson(*Base64Url::decode(parts[0].toLatin1())).object();
        QCOMPARE(decoded.value(QStringLiteral("alg")).toString(), QStringLiteral("EdDSA"));
        QCOMPARE(decoded.value(QStringLiteral("kid")).toString(), m_ed->kid());
        QCOMPARE(decoded.value(QStringLiteral("typ")).toString(), QStringLiteral("at+jwt"));
    }

    void encodeFailsWithoutPrivateKey()
    {
        const auto publicOnly = SigningKey::fromPublicJwk(m_ed->publicJwk());
        QVERIFY(publicOnly.ok());
        QVERIFY(!Jwt::encode(accessHeader(), claims(), *publicOnly).ok());
    }

    void roundTrip_data()
    {
        QTest::addColumn<JwsAlgorithm>("alg");
        QTest::addRow("EdDSA") << JwsAlgorithm::EdDSA;
        QTest::addRow("ES256") << JwsAlgorithm::ES256;
        QTest::addRow("RS256") << JwsAlgorithm::RS256;
        QTest::addRow("HS256") << JwsAlgorithm::HS256;
    }
    void roundTrip()
    {
        QFETCH(JwsAlgorithm, alg);
        const SigningKey& key = alg == JwsAlgorithm::EdDSA ? *m_ed
            : alg == JwsAlgorithm::ES256                   ? *m_es
            : alg == JwsAlgorithm::RS256                   ? *m_rs
                                                           : *m_hs;
        const QString jwt = token(claims(), key);
        QVERIFY(!jwt.isEmpty());
        if (alg == JwsAlgorithm::ES256) {
            QCOMPARE(Base64Url::decode(jwt.section(QLatin1Char('.'), 2).toLatin1())->size(), 64);
        }
        const auto result = verifier().verify(jwt, expectations());
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(result->claims, claims());
        QCOMPARE(result->header.value(QStringLiteral("kid")).toString(), key.kid());
        QCOMPARE(result->header.value(QStringLiteral("alg")).toString(), jwsAlgorithmName(alg));
    }

    void accepts_data()
    {
        QTest::addColumn<QString>("jwt");
        const qint64 t = m_now.toSecsSinceEpoch();
        QJsonArray audiences { QStringLiteral("other-api"), kAudience };
        QTest::addRow("aud array containing ours") << token(claimsWith(QStringLiteral("aud"), audiences), *m_ed);
        QTest::addRow("typ application/at+jwt")
            << token(claims(), *m_ed, { { QStringLiteral("typ"), QStringLiteral("application/at+jwt") } });
        QTest::addRow("typ in upper case")
            << token(claims(), *m_ed, { { QStringLiteral("typ"), QStringLiteral("AT+JWT") } });
        QTest::addRow("expired 10 s ago, within leeway") << token(claimsWith(QStringLiteral("exp"), t - 10), *m_ed);
        QTest::addRow("nbf 20 s ahead, within leeway") << token(claimsWith(QStringLiteral("nbf"), t + 20), *m_ed);
        QJsonObject bare = claimsWith(QStringLiteral("nbf"), kRemoved);
        bare.remove(QStringLiteral("iat"));
        QTest::addRow("no nbf and no iat") << token(bare, *m_ed);
        QTest::addRow("verification-only key from the JWKS") << token(claims(), *m_es);
    }
    void accepts()
    {
        QFETCH(QString, jwt);
        const auto result = verifier().verify(jwt, expectations());
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("jwt");
        QTest::addColumn<QString>("reason");
        const qint64 t = m_now.toSecsSinceEpoch();
        const QByteArray payload = json(claims());
        const QString good = token(claims(), *m_ed);
        const QStringList parts = good.split(QLatin1Char('.'));
        const auto rejoin = [](const QStringList& p) { return p.join(QLatin1Char('.')); };

        QJsonObject noneHeader = headerFor(*m_ed, QStringLiteral("none"));
        QTest::addRow("alg none") << assemble(json(noneHeader), payload, {}) << "alg_none";
        QTest::addRow("alg none with a signature") << signAs(json(noneHeader), payload, *m_ed) << "alg_none";
        QTest::addRow("alg NONE upper case")
            << assemble(json(headerFor(*m_ed, QStringLiteral("NONE"))), payload, {}) << "alg_none";
        const QByteArray edPublic
            = *Base64Url::decode(m_ed->publicJwk().value(QStringLiteral("x")).toString().toLatin1());
        QTest::addRow("alg HS256 with the Ed25519 public key as HMAC secret")
            << hmacForgery(json(headerFor(*m_ed, QStringLiteral("HS256"))), payload, edPublic) << "alg_mismatch";
        const QByteArray rsaModulus
            = *Base64Url::decode(m_rs->publicJwk().value(QStringLiteral("n")).toString().toLatin1());
        QTest::addRow("alg HS256 with the RSA public key as HMAC secret")
            << hmacForgery(json(headerFor(*m_rs, QStringLiteral("HS256"))), payload, rsaModulus) << "alg_mismatch";
        QTest::addRow("alg HS256 with the RSA public JWK as HMAC secret")
            << hmacForgery(json(headerFor(*m_rs, QStringLiteral("HS256"))), payload, json(m_rs->publicJwk()))
            << "alg_mismatch";
        QTest::addRow("alg RS256 header on the Ed25519 key")
            << signAs(json(headerFor(*m_ed, QStringLiteral("RS256"))), payload, *m_ed) << "alg_mismatch";
        QTest::addRow("alg not a string")
            << assemble(json({ { QStringLiteral("alg"), 1 }, { QStringLiteral("kid"), m_ed->kid() } }), payload, {})
            << "malformed";

        QTest::addRow("kid unknown") << token(claims(), *m_unpublishedEd) << "unknown_kid";
        QJsonObject noKid = headerFor(*m_ed);
        noKid.remove(QStringLiteral("kid"));
        QTest::addRow("kid missing") << signAs(json(noKid), payload, *m_ed) << "unknown_kid";
        QJsonObject numericKid = headerFor(*m_ed);
        numericKid.insert(QStringLiteral("kid"), 7);
        QTest::addRow("kid not a string") << signAs(json(numericKid), payload, *m_ed) << "unknown_kid";
        QJsonObject crit = headerFor(*m_ed);
        crit.insert(QStringLiteral("crit"), QJsonArray { QStringLiteral("exp") });
        QTest::addRow("crit header") << signAs(json(crit), payload, *m_ed) << "malformed";

        QStringList tampered = parts;
        tampered[1]
            = QString::fromLatin1(Base64Url::encode(json(claimsWith(QStringLiteral("sub"), QStringLiteral("admin")))));
        QTest::addRow("payload tampered") << rejoin(tampered) << "bad_signature";
        QStringList truncated = parts;
        truncated[2] = QString::fromLatin1(Base64Url::encode(Base64Url::decode(truncated[2].toLatin1())->chopped(3)));
        QTest::addRow("signature truncated") << rejoin(truncated) << "bad_signature";
        QStringList empty = parts;
        empty[2].clear();
        QTest::addRow("signature empty") << rejoin(empty) << "bad_signature";
        QTest::addRow("signed by another key with a published kid")
            << signAs(json(headerFor(*m_ed)), payload, *m_unpublishedEd) << "bad_signature";
        const QString es = token(claims(), *m_es);
        QTest::addRow("ES256 signature with an extra byte") << es.section(QLatin1Char('.'), 0, 1) + QLatin1Char('.')
                + QString::fromLatin1(Base64Url::encode(*Base64Url::decode(es.section(QLatin1Char('.'), 2).toLatin1())
                                                        + '\0'))
                                                            << "bad_signature";

        QTest::addRow("four parts") << good + QStringLiteral(".AAAA") << "malformed";
        QTest::addRow("two parts") << parts[0] + QLatin1Char('.') + parts[1] << "malformed";
        QTest::addRow("empty token") << QString() << "malformed";
        QStringList padded = parts;
        padded[0] += QStringLiteral("==");
        QTest::addRow("padding in base64") << rejoin(padded) << "malformed";
        QStringList plus = parts;
        plus[2].replace(0, 1, QStringLiteral("+"));
        QTest::addRow("standard base64 alphabet") << rejoin(plus) << "malformed";
        QTest::addRow("whitespace inside")
            << parts[0] + QStringLiteral(" .") + parts[1] + QLatin1Char('.') + parts[2] << "malformed";
        QTest::addRow("header not JSON") << assemble(QByteArrayLiteral("{\"alg\":\"EdDSA\""), payload, {})
                                         << "malformed";
        QTest::addRow("header a JSON array") << assemble(QByteArrayLiteral("[\"EdDSA\"]"), payload, {}) << "malformed";
        QTest::addRow("payload not JSON (validly signed)")
            << signAs(json(headerFor(*m_ed)), QByteArrayLiteral("not json"), *m_ed) << "malformed";
        QTest::addRow("oversized token") << token(claimsWith(QStringLiteral("pad"), QString(9000, QLatin1Char('x'))),
                                                  *m_ed)
                                         << "malformed";

        QTest::addRow("expired") << token(claimsWith(QStringLiteral("exp"), t - 3600), *m_ed) << "expired";
        QTest::addRow("expired just beyond leeway")
            << token(claimsWith(QStringLiteral("exp"), t - 30), *m_ed) << "expired";
        QTest::addRow("exp missing") << token(claimsWith(QStringLiteral("exp"), kRemoved), *m_ed) << "expired";
        QTest::addRow("exp a string") << token(claimsWith(QStringLiteral("exp"), QString::number(t + 900)), *m_ed)
                                      << "malformed";
        QTest::addRow("nbf in future") << token(claimsWith(QStringLiteral("nbf"), t + 600), *m_ed) << "not_yet_valid";
        QTest::addRow("iat in future") << token(claimsWith(QStringLiteral("iat"), t + 600), *m_ed) << "not_yet_valid";
        QTest::addRow("wrong iss") << token(claimsWith(QStringLiteral("iss"), QStringLiteral("https://evil.test")),
                                            *m_ed)
                                   << "wrong_issuer";
        QTest::addRow("iss missing") << token(claimsWith(QStringLiteral("iss"), kRemoved), *m_ed) << "wrong_issuer";
        QTest::addRow("wrong aud") << token(claimsWith(QStringLiteral("aud"), QStringLiteral("other-api")), *m_ed)
                                   << "wrong_audience";
        QTest::addRow("aud array without ours")
            << token(claimsWith(QStringLiteral("aud"), QJsonArray { QStringLiteral("a"), QStringLiteral("b") }), *m_ed)
            << "wrong_audience";
        QTest::addRow("aud missing") << token(claimsWith(QStringLiteral("aud"), kRemoved), *m_ed) << "wrong_audience";
        QTest::addRow("wrong typ") << token(claims(), *m_ed, { { QStringLiteral("typ"), QStringLiteral("JWT") } })
                                   << "wrong_type";
        QTest::addRow("typ missing (e.g. an ID token)") << token(claims(), *m_ed, {}) << "wrong_type";
    }
    void rejects()
    {
        QFETCH(QString, jwt);
        QFETCH(QString, reason);
        const auto result = verifier().verify(jwt, expectations());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, authshield::ErrorCode::InvalidToken);
        QCOMPARE(result.error().message, reason);
    }

    void leewayIsConfigurable()
    {
        const qint64 t = m_now.toSecsSinceEpoch();
        const QString jwt = token(claimsWith(QStringLiteral("exp"), t - 10), *m_ed);
        JwtExpectations strict = expectations();
        strict.leeway = std::chrono::seconds { 0 };
        QCOMPARE(verifier().verify(jwt, strict).error().message, QString(JwtRejection::Expired));
        JwtExpectations huge = expectations();
        huge.leeway = std::chrono::hours { 24 }; // clamped to kMaxLeeway
        const QString old = token(claimsWith(QStringLiteral("exp"), t - 3600), *m_ed);
        QCOMPARE(verifier().verify(old, huge).error().message, QString(JwtRejection::Expired));
        // Typ checking can be switched off for other token kinds.
        JwtExpectations anyType = expectations();
        anyType.type.clear();
        QVERIFY(verifier().verify(token(claims(), *m_ed, {}), anyType).ok());
    }

    void joseAcceptsOurTokens_data()
    {
        QTest::addColumn<JwsAlgorithm>("alg");
        QTest::addRow("EdDSA") << JwsAlgorithm::EdDSA;
        QTest::addRow("ES256") << JwsAlgorithm::ES256;
        QTest::addRow("RS256") << JwsAlgorithm::RS256;
    }
    void joseAcceptsOurTokens()
    {
        QFETCH(JwsAlgorithm, alg);
        const SigningKey& key = alg == JwsAlgorithm::EdDSA ? *m_ed : alg == JwsAlgorithm::ES256 ? *m_es : *m_rs;
        QJsonArray jwks;
        for (const auto* k : { &m_ed, &m_es, &m_rs, &m_hs }) {
            if (!(*k)->publicJwk().isEmpty()) {
                jwks.append((*k)->publicJwk());
            }
        }
        const QJsonObject liveClaims = claimsAt(QDateTime::currentDateTimeUtc()); // jose checks against its own clock
        const QString jwt = token(liveClaims, key);
        QJsonObject input { { QStringLiteral("jwks"), QJsonObject { { QStringLiteral("keys"), jwks } } },
                            { QStringLiteral("token"), jwt },
                            { QStringLiteral("issuer"), kIssuer },
                            { QStringLiteral("audience"), kAudience },
                            { QStringLiteral("typ"), QStringLiteral("at+jwt") } };
        int exitCode = 0;
        QByteArray errors;
        const QByteArray out = runJose(input, &exitCode, &errors);
        QVERIFY2(exitCode == 0, errors.constData());
        QCOMPARE(QJsonDocument::fromJson(out).object(), liveClaims);

        // jose must refuse the same token once the payload is changed.
        QStringList parts = jwt.split(QLatin1Char('.'));
        QJsonObject forged = liveClaims;
        forged.insert(QStringLiteral("sub"), QStringLiteral("admin"));
        parts[1] = QString::fromLatin1(Base64Url::encode(json(forged)));
        input.insert(QStringLiteral("token"), parts.join(QLatin1Char('.')));
        runJose(input, &exitCode, &errors);
        QVERIFY(exitCode != 0);
        QVERIFY2(errors.contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED"), errors.constData());
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
