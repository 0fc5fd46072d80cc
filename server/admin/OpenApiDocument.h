#pragma once

#include "shared/Result.h"

#include <QJsonObject>
#include <QString>

namespace authshield::server {

class Router;

// The OpenAPI 3.1 description of the whole API, hand-written in fragments (resources/openapi/*.json, each
// {"paths":{…},"components":{"schemas":{…}}}), one per feature, so features document their routes without
// editing each other's files. 00-base.json comes first and holds info, servers, security schemes and the shared
// schemas; the others are merged in name order. A path or schema defined twice is an error (Internal, naming both
// fragments), so a merge can never silently drop an operation.
class OpenApiDocument
{
public:
    static QString defaultDirectory() { return QStringLiteral(":/resources/openapi"); }
    static Result<QJsonObject> load(const QString& directory = defaultDirectory());
};

// GET /openapi.json (the merged document, loaded once at start). Registered only when [server] api_docs is on.
Result<void> registerOpenApiRoute(Router& router);

} // namespace authshield::server
