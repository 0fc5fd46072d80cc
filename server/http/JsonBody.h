#pragma once

#include "shared/Result.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace authshield::server {

// Request-body limits that belong to JSON itself (the byte limit is enforced at the socket).
struct JsonLimits
{
    int maxDepth = 8;
    int maxStringLength = 4096; // default for fields that declare none
};

// Parses a request body into an object: 400 malformed_json for invalid UTF-8, bad syntax, a non-object
// top level or nesting past the depth limit. An empty body is an empty object.
Result<QJsonObject> parseJsonObject(const QByteArray& body, const JsonLimits& limits = {});

// Reads typed fields and collects every problem, so one 422 names all bad fields at once.
class JsonFields
{
public:
    explicit JsonFields(QJsonObject object);

    QString requiredString(const QString& name, int maxLength);
    std::optional<QString> optionalString(const QString& name, int maxLength);
    std::optional<bool> optionalBool(const QString& name);
    std::optional<qint64> optionalInteger(const QString& name, qint64 min, qint64 max);
    qint64 requiredInteger(const QString& name, qint64 min, qint64 max);
    std::optional<QStringList> optionalStringList(const QString& name, int maxItems, int maxLength);
    void addProblem(const QString& name, const QString& reason);

    bool ok() const { return m_problems.isEmpty(); }
    Error error() const;

private:
    std::optional<QString> string(const QString& name, int maxLength, bool required);

    QJsonObject m_object;
    QMap<QString, QString> m_problems;
};

} // namespace authshield::server
