#include "server/crypto/Base64Url.h"
#include "server/crypto/ConstantTime.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/crypto/Random.h"
#include "server/crypto/SecretBox.h"
#include "server/crypto/Sha256.h"
#include "server/crypto/SigningKey.h"

#include <QJsonDocument>
#include <QSet>
#include <QTest>

using namespace authshield::server;

namespace {

// RFC 8037 Appendix A.1: the Ed25519 example key.
const QByteArray kRfc8037D = QByteArrayLiteral("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
const QByteArray kRfc8037X = QByteArrayLiteral("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");

QByteArray ed25519Pkcs8(const QByteArray& seed)
{
    return QByteArray::fromHex("302e020100300506032b657004220420") + seed;
}

class CountingRandom final : public Random
{
public:
    QByteArray bytes(int n) override
    {
        QByteArray out(n, '\0');
        for (int i = 0; i < n; ++i) {
            out[i] = static_cast<char>(i);
        }
        return out;
    }
};

} // namespace

class TestCrypto : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(CryptoRuntime::initialise().ok()); }

    void runtimeInitialiseIsIdempotent() { QVERIFY(CryptoRuntime::initialise().ok()); }

    void base64UrlDecode_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("empty") << QByteArray() << true << QByteArray();
        QTest::addRow("one byte") << QByteArrayLiteral("_w") << true << QByteArray("\xff", 1);
        QTest::addRow("two bytes") << QByteArrayLiteral("-_8") << true << QByteArray("\xfb\xff", 2);
        QTest::addRow("three bytes") << QByteArrayLiteral("YWJj") << true << QByteArrayLiteral("abc");
        QTest::addRow("padding rejected") << QByteArrayLiteral("_w==") << false << QByteArray();
        QTest::addRow("single padding rejected") << QByteArrayLiteral("-_8=") << false << QByteArray();
        QTest::addRow("plus rejected") << QByteArrayLiteral("+w") << false << QByteArray();
        QTest::addRow("slash rejected") << QByteArrayLiteral("/w") << false << QByteArray();
        QTest::addRow("space rejected") << QByteArrayLiteral("YW Jj") << false << QByteArray();
        QTest::addRow("newline rejected") << QByteArrayLiteral("YWJj\n") << false << QByteArray();
        QTest::addRow("length 1 mod 4 rejected") << QByteArrayLiteral("YWJjZ") << false << QByteArray();
        QTest::addRow("non-canonical trailing bits (one byte)") << QByteArrayLiteral("_x") << false << QByteArray();
        QTest::addRow("non-canonical trailing bits (two bytes)") << QByteArrayLiteral("-_9") << false << QByteArray();
        QTest::addRow("NUL rejected") << QByteArray("YW\0j", 4) << false << QByteArray();
        QTest::addRow("non-ASCII rejected") << QByteArrayLiteral("YW\xc3\xa9") << false << QByteArray();
    }
    void base64UrlDecode()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        QFETCH(QByteArray, expected);
        const auto decoded = Base64Url::decode(text);
        QCOMPARE(decoded.has_value(), valid);
        if (valid) {
            QCOMPARE(*decoded, expected);
            QCOMPARE(Base64Url::encode(*decoded), text);
        }
    }

    void constantTimeEquals_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("equal");
        QTest::addRow("both empty") << QByteArray() << QByteArray() << true;
        QTest::addRow("same bytes") << QByteArrayLiteral("secret-token") << QByteArrayLiteral("secret-token") << true;
        QTest::addRow("last byte differs")
            << QByteArrayLiteral("secret-token") << QByteArrayLiteral("secret-tokeN") << false;
        QTest::addRow("first byte differs")
            << QByteArrayLiteral("secret-token") << QByteArrayLiteral("Secret-token") << false;
        QTest::addRow("prefix is not equal")
            << QByteArrayLiteral("secret") << QByteArrayLiteral("secret-token") << false;
        QTest::addRow("empty vs non-empty") << QByteArray() << QByteArrayLiteral("x") << false;
        QTest::addRow("embedded NUL counts") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
    }
    void constantTimeEquals()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, equal);
        QCOMPARE(authshield::server::constantTimeEquals(a, b), equal);
        QCOMPARE(authshield::server::constantTimeEquals(b, a), equal);
    }

    void sha256KnownAnswers_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("hex");
        QTest::addRow("empty") << QByteArray()
                               << QByteArrayLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        QTest::addRow("abc (FIPS 180-2)")
            << QByteArrayLiteral("abc")
            << QByteArrayLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
    void sha256KnownAnswers()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, hex);
        QCOMPARE(Sha256::hash(input).toHex(), hex);
    }

    void hmacSha256Rfc4231()
    {
        // RFC 4231 test case 2 (short key) and test case 6 (key longer than the block size).
        QCOMPARE(HmacSha256::mac(QByteArrayLiteral("Jefe"), QByteArrayLiteral("what do ya want for nothing?")).toHex(),
                 QByteArrayLiteral("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QCOMPARE(HmacSha256::mac(QByteArray(131, '\xaa'),
                                 QByteArrayLiteral("Test Using Larger Than Block-Size Key - Hash Key First"))
                     .toHex(),
                 QByteArrayLiteral("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
    }

    void randomToken256IsUnpaddedBase64UrlOf32Bytes()
    {
        QSet<QByteArray> seen;
        for (int i = 0; i < 64; ++i) {
            const QByteArray token = randomToken256();
            QCOMPARE(token.size(), 43);
            const auto decoded = Base64Url::decode(token);
            QVERIFY(decoded.has_value());
            QCOMPARE(decoded->size(), 32);
            seen.insert(token);
        }
        QCOMPARE(seen.size(), 64);
        CountingRandom counting;
        QCOMPARE(randomToken256(counting), Base64Url::encode(counting.bytes(32)));
        SystemRandom system;
        QCOMPARE(system.bytes(16).size(), 16);
        QVERIFY(system.bytes(0).isEmpty());
    }

    void secretBoxRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("plaintext");
        QTest::addColumn<QByteArray>("associatedData");
        QTest::addRow("empty secret") << QByteArray() << QByteArray();
        QTest::addRow("smtp password") << QByteArrayLiteral("hunter2") << QByteArrayLiteral("settings.smtp.password");
        QTest::addRow("binary key with kid") << QByteArray(1200, '\x07') << QByteArrayLiteral("kid-123");
    }
    void secretBoxRoundTrip()
    {
        QFETCH(QByteArray, plaintext);
        QFETCH(QByteArray, associatedData);
        const auto box = SecretBox::fromKey(SecretBox::generateKey());
        QVERIFY(box.ok());
        const QByteArray sealed = box->seal(plaintext, associatedData);
        QCOMPARE(sealed.size(), plaintext.size() + SecretBox::kOverhead);
        QCOMPARE(sealed.at(0), '\x01');
        if (!plaintext.isEmpty()) {
            QVERIFY(!sealed.contains(plaintext));
        }
        const auto opened = box->open(sealed, associatedData);
        QVERIFY(opened.ok());
        QCOMPARE(*opened, plaintext);
        QVERIFY(box->seal(plaintext, associatedData) != sealed); // fresh random nonce each time
    }

    void secretBoxRejects_data()
    {
        QTest::addColumn<QString>("attack");
        QTest::addRow("ciphertext bit flipped") << "flip-cipher";
        QTest::addRow("tag bit flipped") << "flip-tag";
        QTest::addRow("nonce bit flipped") << "flip-nonce";
        QTest::addRow("version byte changed") << "version";
        QTest::addRow("truncated by one byte") << "truncate-1";
        QTest::addRow("truncated to the header") << "truncate-header";
        QTest::addRow("empty input") << "empty";
        QTest::addRow("wrong key") << "wrong-key";
        QTest::addRow("wrong associated data") << "wrong-ad";
        QTest::addRow("associated data missing") << "missing-ad";
    }
    void secretBoxRejects()
    {
        QFETCH(QString, attack);
        const auto box = SecretBox::fromKey(SecretBox::generateKey());
        QVERIFY(box.ok());
        const QByteArray ad = QByteArrayLiteral("kid-1");
        QByteArray sealed = box->seal(QByteArrayLiteral("signing key bytes"), ad);
        QByteArray openAd = ad;
        auto opener = *box;
        if (attack == QLatin1String("flip-cipher")) {
            sealed[SecretBox::kOverhead - 16 + 1] = static_cast<char>(sealed.at(SecretBox::kOverhead - 16 + 1) ^ 1);
        } else if (attack == QLatin1String("flip-tag")) {
            sealed[sealed.size() - 1] = static_cast<char>(sealed.at(sealed.size() - 1) ^ 0x80);
        } else if (attack == QLatin1String("flip-nonce")) {
            sealed[3] = static_cast<char>(sealed.at(3) ^ 0x10);
        } else if (attack == QLatin1String("version")) {
            sealed[0] = '\x02';
        } else if (attack == QLatin1String("truncate-1")) {
            sealed.chop(1);
        } else if (attack == QLatin1String("truncate-header")) {
            sealed.truncate(25);
        } else if (attack == QLatin1String("empty")) {
            sealed.clear();
        } else if (attack == QLatin1String("wrong-key")) {
            opener = *SecretBox::fromKey(SecretBox::generateKey());
        } else if (attack == QLatin1String("wrong-ad")) {
            openAd = QByteArrayLiteral("kid-2");
        } else if (attack == QLatin1String("missing-ad")) {
            openAd.clear();
        }
        const auto opened = opener.open(sealed, openAd);
        QVERIFY(!opened.ok());
    }

    void secretBoxRejectsBadKeySizes()
    {
        QVERIFY(!SecretBox::fromKey(QByteArray(31, 'k')).ok());
        QVERIFY(!SecretBox::fromKey(QByteArray(33, 'k')).ok());
        QVERIFY(!SecretBox::fromKey(QByteArray()).ok());
    }

    void rfc8037Ed25519Key()
    {
        const auto key = SigningKey::fromPrivateDer(JwsAlgorithm::EdDSA, ed25519Pkcs8(*Base64Url::decode(kRfc8037D)));
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        const QJsonObject jwk = key->publicJwk();
        QCOMPARE(jwk.value(QStringLiteral("kty")).toString(), QStringLiteral("OKP"));
        QCOMPARE(jwk.value(QStringLiteral("crv")).toString(), QStringLiteral("Ed25519"));
        QCOMPARE(jwk.value(QStringLiteral("x")).toString(), QString::fromLatin1(kRfc8037X));
        // RFC 8037 A.3 thumbprint.
        QCOMPARE(key->kid(), QStringLiteral("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));
        QCOMPARE(jwk.value(QStringLiteral("kid")).toString(), key->kid());
        QCOMPARE(jwk.value(QStringLiteral("alg")).toString(), QStringLiteral("EdDSA"));
        QCOMPARE(jwk.value(QStringLiteral("use")).toString(), QStringLiteral("sig"));
        QVERIFY(!jwk.contains(QStringLiteral("d")));
    }

    void rfc7638RsaThumbprint()
    {
        const QJsonObject jwk {
            { QStringLiteral("kty"), QStringLiteral("RSA") },
            { QStringLiteral("n"),
              QStringLiteral(
                  "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebW"
                  "KRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQ"
                  "MicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2N"
                  "cRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw") },
            { QStringLiteral("e"), QStringLiteral("AQAB") },
            { QStringLiteral("alg"), QStringLiteral("RS256") },
            { QStringLiteral("kid"), QStringLiteral("2011-04-29") }
        };
        const auto key = SigningKey::fromPublicJwk(jwk);
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        QCOMPARE(key->kid(), QStringLiteral("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
        QCOMPARE(key->algorithm(), JwsAlgorithm::RS256);
        QVERIFY(!key->hasPrivateKey());
        QVERIFY(key->sign(QByteArrayLiteral("x")).isEmpty());
        QCOMPARE(key->publicJwk().value(QStringLiteral("n")), jwk.value(QStringLiteral("n")));
    }

    void signVerifyRoundTrip_data()
    {
        QTest::addColumn<JwsAlgorithm>("alg");
        QTest::addColumn<int>("signatureSize");
        QTest::addRow("EdDSA") << JwsAlgorithm::EdDSA << 64;
        QTest::addRow("ES256 (raw R||S)") << JwsAlgorithm::ES256 << 64;
        QTest::addRow("RS256") << JwsAlgorithm::RS256 << 256;
        QTest::addRow("HS256") << JwsAlgorithm::HS256 << 32;
    }
    void signVerifyRoundTrip()
    {
        QFETCH(JwsAlgorithm, alg);
        QFETCH(int, signatureSize);
        const auto key = SigningKey::generate(alg);
        QVERIFY(key.ok());
        QCOMPARE(key->algorithm(), alg);
        QVERIFY(key->hasPrivateKey());
        const QByteArray input = QByteArrayLiteral("eyJhbGciOiJ0ZXN0In0.eyJzdWIiOiIxIn0");
        const QByteArray signature = key->sign(input);
        QCOMPARE(signature.size(), signatureSize);
        QVERIFY(key->verify(input, signature));
        QVERIFY(!key->verify(input + 'x', signature));
        QVERIFY(!key->verify(input, signature.left(signature.size() - 1)));
        QVERIFY(!key->verify(input, QByteArray()));
        QByteArray flipped = signature;
        flipped[signatureSize / 2] = static_cast<char>(flipped.at(signatureSize / 2) ^ 0x01);
        QVERIFY(!key->verify(input, flipped));
        QCOMPARE(key->kid().size(), 43);

        // Stored form survives a round trip and keeps its identity.
        const auto reloaded = SigningKey::fromPrivateDer(alg, key->privateKeyBytes());
        QVERIFY2(reloaded.ok(), qPrintable(reloaded.ok() ? QString() : reloaded.error().message));
        QCOMPARE(reloaded->kid(), key->kid());
        QVERIFY(reloaded->verify(input, signature));
        QVERIFY(key->verify(input, reloaded->sign(input)));

        // Copies share the key; a key from the published JWK verifies but cannot sign.
        const SigningKey copy = *key;
        QVERIFY(copy.verify(input, signature));
        if (alg == JwsAlgorithm::HS256) {
            QVERIFY(key->publicJwk().isEmpty());
            return;
        }
        const auto published = SigningKey::fromPublicJwk(key->publicJwk());
        QVERIFY(published.ok());
        QCOMPARE(published->kid(), key->kid());
        QCOMPARE(published->publicJwk(), key->publicJwk());
        QVERIFY(published->verify(input, signature));
        QVERIFY(published->privateKeyBytes().isEmpty());
    }

    void generatedKeysDiffer()
    {
        for (const auto alg : { JwsAlgorithm::EdDSA, JwsAlgorithm::ES256, JwsAlgorithm::HS256 }) {
            QVERIFY(SigningKey::generate(alg)->kid() != SigningKey::generate(alg)->kid());
        }
    }

    void loadsPem()
    {
        const auto key = SigningKey::generate(JwsAlgorithm::ES256);
        QVERIFY(key.ok());
        const QByteArray pem
            = "-----BEGIN PRIVATE KEY-----\n" + key->privateKeyBytes().toBase64() + "\n-----END PRIVATE KEY-----\n";
        const auto loaded = SigningKey::fromPrivatePem(JwsAlgorithm::ES256, pem);
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
        QCOMPARE(loaded->kid(), key->kid());
    }

    void rejectsUnusableKeys_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addRow("Ed25519 key loaded as ES256") << "ed-as-es";
        QTest::addRow("P-256 key loaded as RS256") << "es-as-rs";
        QTest::addRow("garbage DER") << "garbage";
        QTest::addRow("empty DER") << "empty";
        QTest::addRow("HS256 secret shorter than 32 bytes") << "short-hmac";
        QTest::addRow("JWK with unknown kty") << "jwk-kty";
        QTest::addRow("JWK EC point not on the curve") << "jwk-off-curve";
        QTest::addRow("JWK alg contradicts key type") << "jwk-alg";
        QTest::addRow("JWK RSA modulus below 2048 bits") << "jwk-small-rsa";
        QTest::addRow("JWK x with padding") << "jwk-padding";
    }
    void rejectsUnusableKeys()
    {
        QFETCH(QString, what);
        const auto ed = SigningKey::generate(JwsAlgorithm::EdDSA);
        const auto es = SigningKey::generate(JwsAlgorithm::ES256);
        QVERIFY(ed.ok() && es.ok());
        bool ok = true;
        if (what == QLatin1String("ed-as-es")) {
            ok = SigningKey::fromPrivateDer(JwsAlgorithm::ES256, ed->privateKeyBytes()).ok();
        } else if (what == QLatin1String("es-as-rs")) {
            ok = SigningKey::fromPrivateDer(JwsAlgorithm::RS256, es->privateKeyBytes()).ok();
        } else if (what == QLatin1String("garbage")) {
            ok = SigningKey::fromPrivateDer(JwsAlgorithm::EdDSA, QByteArrayLiteral("\x30\x03\x02\x01\x00")).ok();
        } else if (what == QLatin1String("empty")) {
            ok = SigningKey::fromPrivateDer(JwsAlgorithm::EdDSA, QByteArray()).ok();
        } else if (what == QLatin1String("short-hmac")) {
            ok = SigningKey::hmac(QByteArray(31, 's')).ok();
        } else if (what == QLatin1String("jwk-kty")) {
            ok = SigningKey::fromPublicJwk({ { QStringLiteral("kty"), QStringLiteral("oct") },
                                             { QStringLiteral("k"), QStringLiteral("AAAA") } })
                     .ok();
        } else if (what == QLatin1String("jwk-off-curve")) {
            QJsonObject jwk = es->publicJwk();
            QByteArray y = *Base64Url::decode(jwk.value(QStringLiteral("y")).toString().toLatin1());
            y[31] = static_cast<char>(y.at(31) ^ 0x01);
            jwk.insert(QStringLiteral("y"), QString::fromLatin1(Base64Url::encode(y)));
            ok = SigningKey::fromPublicJwk(jwk).ok();
        } else if (what == QLatin1String("jwk-alg")) {
            QJsonObject jwk = ed->publicJwk();
            jwk.insert(QStringLiteral("alg"), QStringLiteral("ES256"));
            ok = SigningKey::fromPublicJwk(jwk).ok();
        } else if (what == QLatin1String("jwk-small-rsa")) {
            ok = SigningKey::fromPublicJwk(
                     { { QStringLiteral("kty"), QStringLiteral("RSA") },
                       { QStringLiteral("n"), QString::fromLatin1(Base64Url::encode(QByteArray(128, '\xc5'))) },
                       { QStringLiteral("e"), QStringLiteral("AQAB") } })
                     .ok();
        } else if (what == QLatin1String("jwk-padding")) {
            QJsonObject jwk = ed->publicJwk();
            jwk.insert(QStringLiteral("x"), jwk.value(QStringLiteral("x")).toString() + QStringLiteral("="));
            ok = SigningKey::fromPublicJwk(jwk).ok();
        }
        QVERIFY(!ok);
    }
};

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
