#include "server/crypto/JwsAlgorithm.h"

namespace authshield::server {

QString jwsAlgorithmName(JwsAlgorithm alg)
{
    switch (alg) {
    case JwsAlgorithm::EdDSA:
        return QStringLiteral("EdDSA");
    case JwsAlgorithm::ES256:
        return QStringLiteral("ES256");
    case JwsAlgorithm::RS256:
        return QStringLiteral("RS256");
    case JwsAlgorithm::HS256:
        return QStringLiteral("HS256");
    }
    return {};
}

std::optional<JwsAlgorithm> parseJwsAlgorithm(const QString& name)
{
    for (const auto alg : { JwsAlgorithm::EdDSA, JwsAlgorithm::ES256, JwsAlgorithm::RS256, JwsAlgorithm::HS256 }) {
        if (name == jwsAlgorithmName(alg)) {
            return alg;
        }
    }
    return std::nullopt;
}

} // namespace authshield::server
