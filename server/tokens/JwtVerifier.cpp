#include "server/tokens/JwtVerifier.h"

#include "server/crypto/Base64Url.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace authshield::server {

namespace {

Error reject(QLatin1String reason)
{
    return Error::make(ErrorCode::InvalidToken, QString(reason));
}

std::optional<QJsonObject> parseObject(const QByteArray& json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        return std::nullopt;
    }
    return document.object();
}

bool typeMatches(const QJsonValue& typ, const QString& expected)
{
    if (!typ.isString()) {
        return false;
    }
    // RFC 9068 §4: "at+jwt" or "application/at+jwt"; media types compare case-insensitively.
    QString value = typ.toString();
    if (value.startsWith(QLatin1String("application/"), Qt::CaseInsensitive)) {
        value = value.mid(12);
    }
    return value.compare(expected, Qt::CaseInsensitive) == 0;
}

bool audienceMatches(const QJsonValue& aud, const QString& expected)
{
    if (aud.isString()) {
        return aud.toString() == expected;
    }
    if (aud.isArray()) {
        const QJsonArray list = aud.toArray();
        return std::any_of(list.begin(), list.end(), [&expected](const QJsonValue& entry) {
            return entry.isString() && entry.toString() == expected;
        });
    }
    return false;
}

} // namespace

JwtVerifier::JwtVerifier(KeyLookup keys)
    : m_keys(std::move(keys))
{
}

Result<VerifiedJwt> JwtVerifier::verify(const QString& token, const JwtExpectations& expectations) const
{
    if (token.size() > kMaxTokenBytes) {
        return reject(JwtRejection::Malformed);
    }
    // Non-Latin-1 characters become '?', which base64url decoding refuses.
    const QByteArray bytes = token.toLatin1();
    return verify(QByteArrayView(bytes), expectations);
}

Result<VerifiedJwt> JwtVerifier::verify(QByteArrayView token, const JwtExpectations& expectations) const
{
    if (token.isEmpty() || token.size() > kMaxTokenBytes || token.count('.') != 2) {
        return reject(JwtRejection::Malformed);
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = token.lastIndexOf('.');
    const QByteArrayView encodedHeader = token.first(firstDot);
    const QByteArrayView encodedPayload = token.sliced(firstDot + 1, secondDot - firstDot - 1);
    const auto headerJson = Base64Url::decode(encodedHeader);
    const auto payloadJson = Base64Url::decode(encodedPayload);
    const auto signature = Base64Url::decode(token.sliced(secondDot + 1));
    if (!headerJson || !payloadJson || !signature) {
        return reject(JwtRejection::Malformed);
    }
    const auto header = parseObject(*headerJson);
    if (!header) {
        return reject(JwtRejection::Malformed);
    }

    const QJsonValue alg = header->value(QStringLiteral("alg"));
    if (!alg.isString()) {
        return reject(JwtRejection::Malformed);
    }
    if (alg.toString().compare(QLatin1String("none"), Qt::CaseInsensitive) == 0) {
        return reject(JwtRejection::AlgNone);
    }
    // We implement no JWS extensions, so any critical one must fail (RFC 7515 §4.1.11).
    if (header->contains(QStringLiteral("crit"))) {
        return reject(JwtRejection::Malformed);
    }
    const QJsonValue kid = header->value(QStringLiteral("kid"));
    if (!kid.isString()) {
        return reject(JwtRejection::UnknownKid);
    }
    const std::optional<SigningKey> key = m_keys ? m_keys(kid.toString()) : std::nullopt;
    if (!key) {
        return reject(JwtRejection::UnknownKid);
    }
    if (alg.toString() != jwsAlgorithmName(key->algorithm())) {
        return reject(JwtRejection::AlgMismatch);
    }
    const QByteArray signingInput = token.first(secondDot).toByteArray();
    if (!key->verify(signingInput, *signature)) {
        return reject(JwtRejection::BadSignature);
    }

    const auto claims = parseObject(*payloadJson);
    if (!claims) {
        return reject(JwtRejection::Malformed);
    }
    if (!expectations.type.isEmpty() && !typeMatches(header->value(QStringLiteral("typ")), expectations.type)) {
        return reject(JwtRejection::WrongType);
    }
    const QJsonValue iss = claims->value(QStringLiteral("iss"));
    if (!iss.isString() || iss.toString() != expectations.issuer) {
        return reject(JwtRejection::WrongIssuer);
    }
    if (!audienceMatches(claims->value(QStringLiteral("aud")), expectations.audience)) {
        return reject(JwtRejection::WrongAudience);
    }

    const double now = static_cast<double>(expectations.now.toMSecsSinceEpoch()) / 1000.0;
    const auto leeway
        = static_cast<double>(std::clamp(expectations.leeway, std::chrono::seconds { 0 }, kMaxLeeway).count());
    const QJsonValue exp = claims->value(QStringLiteral("exp"));
    if (!exp.isUndefined() && !exp.isDouble()) {
        return reject(JwtRejection::Malformed);
    }
    // RFC 7519 §4.1.4: the token is valid strictly before exp.
    if (exp.isUndefined() || now >= exp.toDouble() + leeway) {
        return reject(JwtRejection::Expired);
    }
    for (const auto& name : { QStringLiteral("nbf"), QStringLiteral("iat") }) {
        const QJsonValue value = claims->value(name);
        if (value.isUndefined()) {
            continue;
        }
        if (!value.isDouble()) {
            return reject(JwtRejection::Malformed);
        }
        if (value.toDouble() > now + leeway) {
            return reject(JwtRejection::NotYetValid);
        }
    }
    return VerifiedJwt { *header, *claims };
}

} // namespace authshield::server
