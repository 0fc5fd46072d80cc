#include "server/crypto/SigningKey.h"

#include "server/crypto/Base64Url.h"
#include "server/crypto/ConstantTime.h"
#include "server/crypto/Sha256.h"

// Only OpenSSL 3 APIs: the deprecated RSA_*/EC_KEY_* functions are not even declared here.
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <sodium.h>

#include <QJsonDocument>

#include <memory>

namespace authshield::server {

namespace {

template<auto Free> struct Deleter
{
    template<typename T> void operator()(T* p) const { Free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, Deleter<OSSL_DECODER_CTX_free>>;
using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, Deleter<OSSL_ENCODER_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

constexpr int kP256CoordinateBytes = 32;
constexpr qsizetype kMaxKeyEncodingBytes = 16 * 1024;

Error keyError(const QString& message)
{
    // OpenSSL's error queue is per thread; leave it empty so an old failure never surfaces in unrelated code.
    ERR_clear_error();
    return Error::make(ErrorCode::Internal, message);
}

const unsigned char* bytesOf(const QByteArray& data)
{
    return reinterpret_cast<const unsigned char*>(data.constData());
}

QByteArray bnToBytes(const BIGNUM* bn, int width = 0)
{
    const int size = width > 0 ? width : BN_num_bytes(bn);
    QByteArray out(size, Qt::Uninitialized);
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size) != size) {
        return {};
    }
    return out;
}

QByteArray bnParam(const EVP_PKEY* pkey, const char* name, int width = 0)
{
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
        return {};
    }
    const BnPtr bn(raw);
    return bnToBytes(bn.get(), width);
}

const char* digestName(JwsAlgorithm alg)
{
    return alg == JwsAlgorithm::EdDSA ? nullptr : "SHA256"; // Ed25519 hashes internally (PureEdDSA)
}

bool pkeyMatches(JwsAlgorithm alg, const EVP_PKEY* pkey)
{
    switch (alg) {
    case JwsAlgorithm::EdDSA:
        return EVP_PKEY_is_a(pkey, "ED25519") == 1;
    case JwsAlgorithm::ES256: {
        if (EVP_PKEY_is_a(pkey, "EC") != 1) {
            return false;
        }
        char group[64] = {};
        size_t length = 0;
        return EVP_PKEY_get_group_name(pkey, group, sizeof group, &length) == 1
            && qstrcmp(group, SN_X9_62_prime256v1) == 0;
    }
    case JwsAlgorithm::RS256:
        return EVP_PKEY_is_a(pkey, "RSA") == 1 && EVP_PKEY_get_bits(pkey) >= SigningKey::kRsaBits;
    case JwsAlgorithm::HS256:
        return false;
    }
    return false;
}

QByteArray rawSign(JwsAlgorithm alg, EVP_PKEY* pkey, const QByteArray& input)
{
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    size_t length = 0;
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digestName(alg), nullptr, nullptr, pkey, nullptr) != 1
        || EVP_DigestSign(ctx.get(), nullptr, &length, bytesOf(input), static_cast<size_t>(input.size())) != 1) {
        ERR_clear_error();
        return {};
    }
    QByteArray signature(static_cast<qsizetype>(length), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytesOf(input),
                       static_cast<size_t>(input.size()))
        != 1) {
        ERR_clear_error();
        return {};
    }
    signature.truncate(static_cast<qsizetype>(length));
    if (alg != JwsAlgorithm::ES256) {
        return signature;
    }
    // OpenSSL produces a DER SEQUENCE{r, s}; JWS wants the fixed-width concatenation R‖S (RFC 7518 §3.4).
    const auto* der = bytesOf(signature);
    const EcdsaSigPtr parsed(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
    if (!parsed) {
        ERR_clear_error();
        return {};
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(parsed.get(), &r, &s);
    return bnToBytes(r, kP256CoordinateBytes) + bnToBytes(s, kP256CoordinateBytes);
}

QByteArray es256RawToDer(const QByteArray& raw)
{
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BnPtr r(BN_bin2bn(bytesOf(raw), kP256CoordinateBytes, nullptr));
    BnPtr s(BN_bin2bn(bytesOf(raw) + kP256CoordinateBytes, kP256CoordinateBytes, nullptr));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        ERR_clear_error();
        return {};
    }
    (void)r.release(); // owned by sig now
    (void)s.release();
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0) {
        ERR_clear_error();
        return {};
    }
    QByteArray out(reinterpret_cast<const char*>(der), length);
    OPENSSL_free(der);
    return out;
}

bool rawVerify(JwsAlgorithm alg, EVP_PKEY* pkey, const QByteArray& input, const QByteArray& signature)
{
    QByteArray encoded = signature;
    switch (alg) {
    case JwsAlgorithm::EdDSA:
        if (signature.size() != 64) {
            return false;
        }
        break;
    case JwsAlgorithm::ES256:
        if (signature.size() != 2 * kP256CoordinateBytes) {
            return false;
        }
        encoded = es256RawToDer(signature);
        if (encoded.isEmpty()) {
            return false;
        }
        break;
    case JwsAlgorithm::RS256:
        if (signature.size() != EVP_PKEY_get_size(pkey)) {
            return false;
        }
        break;
    case JwsAlgorithm::HS256:
        return false;
    }
    const MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = ctx
        && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digestName(alg), nullptr, nullptr, pkey, nullptr) == 1
        && EVP_DigestVerify(ctx.get(), bytesOf(encoded), static_cast<size_t>(encoded.size()), bytesOf(input),
                            static_cast<size_t>(input.size()))
            == 1;
    ERR_clear_error();
    return ok;
}

QString b64(const QByteArray& data)
{
    return QString::fromLatin1(Base64Url::encode(data));
}

QString thumbprint(const QByteArray& canonicalJson)
{
    return b64(Sha256::hash(canonicalJson));
}

} // namespace

struct SigningKey::Impl
{
    JwsAlgorithm alg = JwsAlgorithm::EdDSA;
    EVP_PKEY* pkey = nullptr; // owned; asymmetric algorithms only
    QByteArray secret; // HS256 only
    bool hasPrivate = false;
    QString kid;
    QJsonObject jwk;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        EVP_PKEY_free(pkey);
        if (!secret.isEmpty()) {
            sodium_memzero(secret.data(), static_cast<size_t>(secret.size()));
        }
    }
};

namespace {

// Computes the public JWK and its RFC 7638 thumbprint; the canonical form lists the required members only,
// in lexicographic order, without whitespace.
bool describePublicKey(SigningKey::Impl& impl)
{
    QJsonObject jwk;
    QByteArray canonical;
    switch (impl.alg) {
    case JwsAlgorithm::EdDSA: {
        QByteArray x(32, Qt::Uninitialized);
        size_t length = static_cast<size_t>(x.size());
        if (EVP_PKEY_get_raw_public_key(impl.pkey, reinterpret_cast<unsigned char*>(x.data()), &length) != 1
            || length != 32) {
            return false;
        }
        jwk = { { QStringLiteral("kty"), QStringLiteral("OKP") },
                { QStringLiteral("crv"), QStringLiteral("Ed25519") },
                { QStringLiteral("x"), b64(x) } };
        canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + Base64Url::encode(x) + "\"}";
        break;
    }
    case JwsAlgorithm::ES256: {
        const QByteArray x = bnParam(impl.pkey, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
        const QByteArray y = bnParam(impl.pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
        if (x.isEmpty() || y.isEmpty()) {
            return false;
        }
        jwk = { { QStringLiteral("kty"), QStringLiteral("EC") },
                { QStringLiteral("crv"), QStringLiteral("P-256") },
                { QStringLiteral("x"), b64(x) },
                { QStringLiteral("y"), b64(y) } };
        canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + Base64Url::encode(x) + "\",\"y\":\""
            + Base64Url::encode(y) + "\"}";
        break;
    }
    case JwsAlgorithm::RS256: {
        const QByteArray n = bnParam(impl.pkey, OSSL_PKEY_PARAM_RSA_N);
        const QByteArray e = bnParam(impl.pkey, OSSL_PKEY_PARAM_RSA_E);
        if (n.isEmpty() || e.isEmpty()) {
            return false;
        }
        jwk = { { QStringLiteral("kty"), QStringLiteral("RSA") },
                { QStringLiteral("n"), b64(n) },
                { QStringLiteral("e"), b64(e) } };
        canonical = "{\"e\":\"" + Base64Url::encode(e) + "\",\"kty\":\"RSA\",\"n\":\"" + Base64Url::encode(n) + "\"}";
        break;
    }
    case JwsAlgorithm::HS256:
        impl.kid = thumbprint("{\"k\":\"" + Base64Url::encode(impl.secret) + "\",\"kty\":\"oct\"}");
        return true;
    }
    impl.kid = thumbprint(canonical);
    jwk.insert(QStringLiteral("kid"), impl.kid);
    jwk.insert(QStringLiteral("alg"), jwsAlgorithmName(impl.alg));
    jwk.insert(QStringLiteral("use"), QStringLiteral("sig"));
    impl.jwk = jwk;
    return true;
}

} // namespace

SigningKey::SigningKey(std::shared_ptr<const Impl> impl)
    : m_impl(std::move(impl))
{
}

namespace {

Result<std::shared_ptr<SigningKey::Impl>> wrapPkey(JwsAlgorithm alg, PkeyPtr pkey, bool hasPrivate)
{
    if (!pkey || !pkeyMatches(alg, pkey.get())) {
        return keyError(QStringLiteral("key type does not match algorithm %1").arg(jwsAlgorithmName(alg)));
    }
    auto impl = std::make_shared<SigningKey::Impl>();
    impl->alg = alg;
    impl->pkey = pkey.release();
    impl->hasPrivate = hasPrivate;
    if (!describePublicKey(*impl)) {
        return keyError(QStringLiteral("public key of the %1 key cannot be read").arg(jwsAlgorithmName(alg)));
    }
    if (hasPrivate) {
        // A decoded key must be a consistent key pair: sign and verify once before anyone relies on it.
        const QByteArray probe = QByteArrayLiteral("authshield key check");
        if (!rawVerify(alg, impl->pkey, probe, rawSign(alg, impl->pkey, probe))) {
            return keyError(QStringLiteral("the %1 private key cannot sign").arg(jwsAlgorithmName(alg)));
        }
    }
    return impl;
}

} // namespace

Result<SigningKey> SigningKey::fromImpl(Result<std::shared_ptr<Impl>> impl)
{
    if (!impl) {
        return impl.error();
    }
    return SigningKey(std::move(impl).value());
}

Result<SigningKey> SigningKey::decodePrivate(JwsAlgorithm alg, const QByteArray& bytes, const char* inputType)
{
    if (alg == JwsAlgorithm::HS256) {
        return hmac(bytes);
    }
    if (bytes.isEmpty() || bytes.size() > kMaxKeyEncodingBytes) {
        return keyError(QStringLiteral("private key encoding has an implausible size"));
    }
    EVP_PKEY* raw = nullptr;
    const DecoderCtxPtr decoder(
        OSSL_DECODER_CTX_new_for_pkey(&raw, inputType, nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
    const unsigned char* data = bytesOf(bytes);
    size_t length = static_cast<size_t>(bytes.size());
    if (!decoder || OSSL_DECODER_from_data(decoder.get(), &data, &length) != 1 || raw == nullptr) {
        EVP_PKEY_free(raw);
        return keyError(QStringLiteral("private key cannot be decoded"));
    }
    return fromImpl(wrapPkey(alg, PkeyPtr(raw), true));
}

Result<SigningKey> SigningKey::generate(JwsAlgorithm alg)
{
    PkeyPtr pkey;
    switch (alg) {
    case JwsAlgorithm::EdDSA:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        break;
    case JwsAlgorithm::ES256:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", SN_X9_62_prime256v1));
        break;
    case JwsAlgorithm::RS256:
        pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kRsaBits)));
        break;
    case JwsAlgorithm::HS256: {
        QByteArray secret(kMinHmacSecretBytes, Qt::Uninitialized);
        randombytes_buf(secret.data(), static_cast<size_t>(secret.size()));
        auto key = hmac(secret);
        sodium_memzero(secret.data(), static_cast<size_t>(secret.size()));
        return key;
    }
    }
    if (!pkey) {
        return keyError(QStringLiteral("%1 key generation failed").arg(jwsAlgorithmName(alg)));
    }
    return fromImpl(wrapPkey(alg, std::move(pkey), true));
}

Result<SigningKey> SigningKey::fromPrivateDer(JwsAlgorithm alg, const QByteArray& der)
{
    return decodePrivate(alg, der, "DER");
}

Result<SigningKey> SigningKey::fromPrivatePem(JwsAlgorithm alg, const QByteArray& pem)
{
    return decodePrivate(alg, pem, "PEM");
}

Result<SigningKey> SigningKey::hmac(const QByteArray& secret)
{
    if (secret.size() < kMinHmacSecretBytes) {
        return keyError(QStringLiteral("HS256 secret must be at least %1 bytes").arg(kMinHmacSecretBytes));
    }
    auto impl = std::make_shared<Impl>();
    impl->alg = JwsAlgorithm::HS256;
    impl->secret = QByteArray(secret.constData(), secret.size()); // own copy, wiped on destruction
    impl->hasPrivate = true;
    describePublicKey(*impl);
    return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::fromPublicJwk(const QJsonObject& jwk)
{
    const QString kty = jwk.value(QStringLiteral("kty")).toString();
    const QString crv = jwk.value(QStringLiteral("crv")).toString();
    const auto member = [&jwk](const char* name) {
        return Base64Url::decode(jwk.value(QLatin1String(name)).toString().toLatin1()).value_or(QByteArray());
    };
    JwsAlgorithm alg;
    PkeyPtr pkey;
    if (kty == QLatin1String("OKP") && crv == QLatin1String("Ed25519")) {
        alg = JwsAlgorithm::EdDSA;
        const QByteArray x = member("x");
        if (x.size() == 32) {
            pkey.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, bytesOf(x), 32));
        }
    } else if (kty == QLatin1String("EC") && crv == QLatin1String("P-256")) {
        alg = JwsAlgorithm::ES256;
        const QByteArray x = member("x");
        const QByteArray y = member("y");
        if (x.size() == kP256CoordinateBytes && y.size() == kP256CoordinateBytes) {
            QByteArray point = '\x04' + x + y; // uncompressed SEC1 point
            char group[] = SN_X9_62_prime256v1;
            const OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                                          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                                            static_cast<size_t>(point.size())),
                                          OSSL_PARAM_construct_end() };
            const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
            EVP_PKEY* raw = nullptr;
            if (ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1
                && EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) == 1) {
                pkey.reset(raw);
            }
        }
    } else if (kty == QLatin1String("RSA")) {
        alg = JwsAlgorithm::RS256;
        const QByteArray n = member("n");
        const QByteArray e = member("e");
        // RFC 7518 §6.3.1: minimal big-endian encodings, so one key has one thumbprint.
        if (!n.isEmpty() && !e.isEmpty() && n.at(0) != '\0' && e.at(0) != '\0') {
            const BnPtr bnN(BN_bin2bn(bytesOf(n), static_cast<int>(n.size()), nullptr));
            const BnPtr bnE(BN_bin2bn(bytesOf(e), static_cast<int>(e.size()), nullptr));
            const ParamBldPtr builder(OSSL_PARAM_BLD_new());
            if (bnN && bnE && builder && OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bnN.get()) == 1
                && OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bnE.get()) == 1) {
                const ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
                const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
                EVP_PKEY* raw = nullptr;
                if (params && ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1
                    && EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) == 1) {
                    pkey.reset(raw);
                }
            }
        }
    } else {
        return keyError(QStringLiteral("unsupported JWK key type"));
    }
    if (!pkey) {
        return keyError(QStringLiteral("JWK members are missing or invalid"));
    }
    const PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        return keyError(QStringLiteral("JWK public key fails validation"));
    }
    const QJsonValue declaredAlg = jwk.value(QStringLiteral("alg"));
    if (!declaredAlg.isUndefined() && declaredAlg.toString() != jwsAlgorithmName(alg)) {
        return keyError(QStringLiteral("JWK alg does not match its key type"));
    }
    return fromImpl(wrapPkey(alg, std::move(pkey), false));
}

JwsAlgorithm SigningKey::algorithm() const
{
    return m_impl->alg;
}

bool SigningKey::hasPrivateKey() const
{
    return m_impl->hasPrivate;
}

QByteArray SigningKey::privateKeyBytes() const
{
    if (m_impl->alg == JwsAlgorithm::HS256) {
        return m_impl->secret;
    }
    if (!m_impl->hasPrivate) {
        return {};
    }
    const EncoderCtxPtr encoder(
        OSSL_ENCODER_CTX_new_for_pkey(m_impl->pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
    unsigned char* data = nullptr;
    size_t length = 0;
    if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &data, &length) != 1) {
        ERR_clear_error();
        return {};
    }
    QByteArray out(reinterpret_cast<const char*>(data), static_cast<qsizetype>(length));
    OPENSSL_clear_free(data, length);
    return out;
}

QString SigningKey::kid() const
{
    return m_impl->kid;
}

QJsonObject SigningKey::publicJwk() const
{
    return m_impl->jwk;
}

QByteArray SigningKey::sign(const QByteArray& signingInput) const
{
    if (!m_impl->hasPrivate) {
        return {};
    }
    if (m_impl->alg == JwsAlgorithm::HS256) {
        return HmacSha256::mac(m_impl->secret, signingInput);
    }
    return rawSign(m_impl->alg, m_impl->pkey, signingInput);
}

bool SigningKey::verify(const QByteArray& signingInput, const QByteArray& signature) const
{
    if (m_impl->alg == JwsAlgorithm::HS256) {
        return constantTimeEquals(HmacSha256::mac(m_impl->secret, signingInput), signature);
    }
    return rawVerify(m_impl->alg, m_impl->pkey, signingInput, signature);
}

} // namespace authshield::server
