#pragma once

#include "tests/support/TestHttpClient.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

namespace authshield::test {

// A small JSON Schema validator for the subset the OpenAPI fragments use: type (also type arrays for nullable),
// properties, required, additionalProperties (bool or schema), items, enum and $ref to #/components/schemas/….
class JsonSchemaValidator
{
public:
    explicit JsonSchemaValidator(QJsonObject schemas);
    // Every violation as "<json path>: <problem>"; empty when the value conforms.
    QStringList validate(const QJsonValue& value, const QJsonObject& schema, const QString& path = QStringLiteral("$")) const;

private:
    QJsonObject m_schemas;
};

// The server's merged OpenAPI document, for checking answers of integration tests against it.
class OpenApiContract
{
public:
    bool load(); // from the server's compiled-in fragments; false (with a qWarning) on failure
    const QJsonObject& document() const { return m_document; }

    // The documented path template ("/api/v1/admin/users/{id}") an actual path matches, or empty.
    QString templateFor(const QString& path) const;
    // Problems of one answer: undocumented operation or status, or a JSON body not matching the schema.
    QStringList check(const QByteArray& method, const QByteArray& pathAndQuery, const TestResponse& response) const;

private:
    QJsonObject m_document;
};

} // namespace authshield::test
