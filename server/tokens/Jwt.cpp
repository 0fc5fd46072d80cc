#include "server/tokens/Jwt.h"

#include "server/crypto/Base64Url.h"

#include <QJsonDocument>

namespace authshield::server {

Result<QString> Jwt::encode(const QJsonObject& header, const QJsonObject& claims, const SigningKey& key)
{
    QJsonObject fullHeader = header;
    fullHeader.insert(QStringLiteral("alg"), jwsAlgorithmName(key.algorithm()));
    fullHeader.insert(QStringLiteral("kid"), key.kid());
    const QByteArray signingInput = Base64Url::encode(QJsonDocument(fullHeader).toJson(QJsonDocument::Compact)) + '.'
        + Base64Url::encode(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    const QByteArray signature = key.sign(signingInput);
    if (signature.isEmpty()) {
        return Error::make(ErrorCode::Internal, QStringLiteral("the signing key cannot sign (public key only)"));
    }
    return QString::fromLatin1(signingInput + '.' + Base64Url::encode(signature));
}

} // namespace authshield::server
