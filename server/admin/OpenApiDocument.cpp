#include "server/admin/OpenApiDocument.h"

#include "server/http/Router.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

namespace authshield::server {

namespace {
Error invalid(const QString& message)
{
    return Error::make(ErrorCode::Internal, QStringLiteral("OpenAPI fragments: ") + message);
}

// Adds every key of `from` into `into`; a key both have is an error naming the fragments.
Result<void> mergeUnique(QJsonObject& into, const QJsonObject& from, QHash<QString, QString>& owners,
                         const QString& fragment, const QString& what)
{
    for (auto it = from.constBegin(); it != from.constEnd(); ++it) {
        if (into.contains(it.key()))
            return invalid(QStringLiteral("%1 %2 is defined in both %3 and %4")
                               .arg(what, it.key(), owners.value(it.key()), fragment));
        into.insert(it.key(), it.value());
        owners.insert(it.key(), fragment);
    }
    return success();
}
} // namespace

Result<QJsonObject> OpenApiDocument::load(const QString& directory)
{
    QStringList names = QDir(directory).entryList({ QStringLiteral("*.json") }, QDir::Files, QDir::Name);
    const QString base = QStringLiteral("00-base.json");
    if (!names.contains(base))
        return invalid(QStringLiteral("%1 is missing in %2").arg(base, directory));
    names.removeAll(base);
    names.prepend(base);

    QJsonObject document;
    QJsonObject paths;
    QJsonObject schemas;
    QHash<QString, QString> pathOwners;
    QHash<QString, QString> schemaOwners;
    for (const QString& name : std::as_const(names)) {
        QFile file(QDir(directory).filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            return invalid(QStringLiteral("cannot read %1").arg(name));
        QJsonParseError parseError;
        const QJsonDocument parsed = QJsonDocument::fromJson(file.readAll(), &parseError);
        if (parseError.error != QJsonParseError::NoError || !parsed.isObject())
            return invalid(QStringLiteral("%1 is not a JSON object: %2").arg(name, parseError.errorString()));
        QJsonObject fragment = parsed.object();
        if (Result<void> merged = mergeUnique(paths, fragment.value(QStringLiteral("paths")).toObject(), pathOwners,
                                              name, QStringLiteral("path"));
            !merged)
            return merged.error();
        QJsonObject components = fragment.value(QStringLiteral("components")).toObject();
        if (Result<void> merged = mergeUnique(schemas, components.value(QStringLiteral("schemas")).toObject(),
                                              schemaOwners, name, QStringLiteral("schema"));
            !merged)
            return merged.error();
        if (name == base) {
            // info, servers, security schemes: only the base fragment sets the document's top level.
            fragment.remove(QStringLiteral("paths"));
            document = fragment;
        }
    }
    QJsonObject components = document.value(QStringLiteral("components")).toObject();
    components.insert(QStringLiteral("schemas"), schemas);
    document.insert(QStringLiteral("components"), components);
    document.insert(QStringLiteral("paths"), paths);
    return document;
}

Result<void> registerOpenApiRoute(Router& router)
{
    Result<QJsonObject> document = OpenApiDocument::load();
    if (!document)
        return document.error();
    const QByteArray body = QJsonDocument(*document).toJson(QJsonDocument::Compact);
    router.add(HttpMethod::Get, QStringLiteral("/openapi.json"), [body](const HttpRequest&, RequestContext&) {
        HttpResponse response = HttpResponse::text(200, body, QByteArrayLiteral("application/json"));
        response.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=300"));
        return response;
    });
    return success();
}

} // namespace authshield::server
