#include "tests/support/OpenApiContract.h"

#include "server/admin/OpenApiDocument.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include <cmath>

namespace authshield::test {

JsonSchemaValidator::JsonSchemaValidator(QJsonObject schemas)
    : m_schemas(std::move(schemas))
{
}

namespace {
bool hasType(const QJsonValue& value, const QString& type)
{
    if (type == QLatin1String("null"))
        return value.isNull();
    if (type == QLatin1String("string"))
        return value.isString();
    if (type == QLatin1String("boolean"))
        return value.isBool();
    if (type == QLatin1String("object"))
        return value.isObject();
    if (type == QLatin1String("array"))
        return value.isArray();
    if (type == QLatin1String("number"))
        return value.isDouble();
    if (type == QLatin1String("integer"))
        return value.isDouble() && std::floor(value.toDouble()) == value.toDouble();
    return false;
}
} // namespace

QStringList JsonSchemaValidator::validate(const QJsonValue& value, const QJsonObject& schema, const QString& path) const
{
    QStringList problems;
    if (schema.contains(QStringLiteral("$ref"))) {
        const QString ref = schema.value(QStringLiteral("$ref")).toString();
        const QString prefix = QStringLiteral("#/components/schemas/");
        if (!ref.startsWith(prefix) || !m_schemas.contains(ref.mid(prefix.size())))
            return { path + QStringLiteral(": unresolvable $ref ") + ref };
        return validate(value, m_schemas.value(ref.mid(prefix.size())).toObject(), path);
    }
    if (schema.contains(QStringLiteral("type"))) {
        const QJsonValue type = schema.value(QStringLiteral("type"));
        QStringList types;
        if (type.isArray())
            for (const QJsonValue& t : type.toArray())
                types.append(t.toString());
        else
            types.append(type.toString());
        const bool matches = std::any_of(types.cbegin(), types.cend(), [&](const QString& t) { return hasType(value, t); });
        if (!matches)
            return { path + QStringLiteral(": expected ") + types.join(QLatin1Char('|')) + QStringLiteral(", got ")
                     + QString::fromUtf8(QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact)).left(80) };
    }
    if (schema.contains(QStringLiteral("enum")) && !value.isNull()
        && !schema.value(QStringLiteral("enum")).toArray().contains(value))
        problems.append(path + QStringLiteral(": not one of the enumerated values"));
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
        for (const QJsonValue& required : schema.value(QStringLiteral("required")).toArray())
            if (!object.contains(required.toString()))
                problems.append(path + QStringLiteral(": missing required property ") + required.toString());
        const QJsonValue additional = schema.value(QStringLiteral("additionalProperties"));
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            const QString childPath = path + QLatin1Char('.') + it.key();
            if (properties.contains(it.key()))
                problems += validate(it.value(), properties.value(it.key()).toObject(), childPath);
            else if (additional.isObject())
                problems += validate(it.value(), additional.toObject(), childPath);
            else if (additional.isBool() && !additional.toBool())
                problems.append(childPath + QStringLiteral(": property not allowed"));
        }
    }
    if (value.isArray() && schema.contains(QStringLiteral("items"))) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            problems += validate(array.at(i), schema.value(QStringLiteral("items")).toObject(),
                                 QStringLiteral("%1[%2]").arg(path).arg(i));
    }
    return problems;
}

bool OpenApiContract::load()
{
    const authshield::Result<QJsonObject> document = server::OpenApiDocument::load();
    if (!document) {
        qWarning("OpenAPI document does not load: %s", qPrintable(document.error().message));
        return false;
    }
    m_document = *document;
    return true;
}

QString OpenApiContract::templateFor(const QString& path) const
{
    const QJsonObject paths = m_document.value(QStringLiteral("paths")).toObject();
    if (paths.contains(path))
        return path;
    const QStringList segments = path.split(QLatin1Char('/'));
    for (auto it = paths.constBegin(); it != paths.constEnd(); ++it) {
        const QStringList pattern = it.key().split(QLatin1Char('/'));
        if (pattern.size() != segments.size())
            continue;
        bool same = true;
        for (qsizetype i = 0; i < pattern.size() && same; ++i)
            same = pattern.at(i) == segments.at(i) || (pattern.at(i).startsWith(QLatin1Char('{')) && !segments.at(i).isEmpty());
        // An exact documented path ("/users/count") wins over a template ("/users/{id}"): checked first above.
        if (same)
            return it.key();
    }
    return {};
}

QStringList OpenApiContract::check(const QByteArray& method, const QByteArray& pathAndQuery,
                                   const TestResponse& response) const
{
    const QString path = QUrl(QString::fromUtf8(pathAndQuery)).path();
    const QString what = QString::fromLatin1(method) + QLatin1Char(' ') + path + QLatin1Char(' ')
        + QString::number(response.status) + QStringLiteral(": ");
    if (response.status == 0)
        return {};
    const QString pattern = templateFor(path);
    if (pattern.isEmpty())
        return { what + QStringLiteral("path not documented") };
    const QJsonObject item = m_document.value(QStringLiteral("paths")).toObject().value(pattern).toObject();
    const QJsonObject operation = item.value(QString::fromLatin1(method).toLower()).toObject();
    if (operation.isEmpty())
        return response.status == 405 ? QStringList() : QStringList { what + QStringLiteral("method not documented") };
    const QJsonObject responses = operation.value(QStringLiteral("responses")).toObject();
    QJsonObject documented = responses.value(QString::number(response.status)).toObject();
    if (documented.isEmpty())
        documented = responses.value(QStringLiteral("default")).toObject();
    if (documented.isEmpty()) {
        // Generic answers any route may give (405, 413, 429, 500, 503) are not repeated on every operation.
        static const QList<int> generic { 400, 405, 408, 413, 415, 429, 431, 500, 503 };
        return generic.contains(response.status) ? QStringList() : QStringList { what + QStringLiteral("status not documented") };
    }
    const QJsonObject content = documented.value(QStringLiteral("content")).toObject();
    if (!response.header("content-type").startsWith("application/json"))
        return {};
    const QJsonObject schema
        = content.value(QStringLiteral("application/json")).toObject().value(QStringLiteral("schema")).toObject();
    if (schema.isEmpty())
        return { what + QStringLiteral("JSON answer where none is documented") };
    QJsonParseError error;
    const QJsonDocument body = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError)
        return { what + QStringLiteral("body is not JSON") };
    const QJsonValue value = body.isArray() ? QJsonValue(body.array()) : QJsonValue(body.object());
    JsonSchemaValidator validator(m_document.value(QStringLiteral("components")).toObject().value(QStringLiteral("schemas")).toObject());
    QStringList problems = validator.validate(value, schema);
    for (QString& problem : problems)
        problem.prepend(what);
    return problems;
}

} // namespace authshield::test
