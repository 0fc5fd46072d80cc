#include "server/http/JsonBody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringDecoder>

namespace authshield::server {

namespace {
Error malformed(const QString& message)
{
    return Error::make(ErrorCode::MalformedJson, message);
}

// Depth check before parsing, so a deeply nested body is refused without building it.
bool nestingWithin(const QByteArray& body, int maxDepth)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : body) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > maxDepth)
                return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}
} // namespace

Result<QJsonObject> parseJsonObject(const QByteArray& body, const JsonLimits& limits)
{
    if (body.trimmed().isEmpty())
        return QJsonObject{};
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString decoded = decoder.decode(body);
    if (decoder.hasError())
        return malformed(QStringLiteral("request body is not valid UTF-8"));
    if (!nestingWithin(body, limits.maxDepth))
        return malformed(QStringLiteral("JSON nesting is deeper than %1 levels").arg(limits.maxDepth));
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return malformed(QStringLiteral("request body is not valid JSON (%1 at offset %2)")
                             .arg(error.errorString())
                             .arg(error.offset));
    if (!document.isObject())
        return malformed(QStringLiteral("request body must be a JSON object"));
    return document.object();
}

JsonFields::JsonFields(QJsonObject object)
    : m_object(std::move(object))
{
}

std::optional<QString> JsonFields::string(const QString& name, int maxLength, bool required)
{
    const QJsonValue value = m_object.value(name);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            addProblem(name, QStringLiteral("is required"));
        return std::nullopt;
    }
    if (!value.isString()) {
        addProblem(name, QStringLiteral("must be a string"));
        return std::nullopt;
    }
    const QString text = value.toString();
    if (!QStringView(text).isValidUtf16()) {
        addProblem(name, QStringLiteral("contains an invalid character"));
        return std::nullopt;
    }
    if (text.size() > maxLength) {
        addProblem(name, QStringLiteral("must be at most %1 characters").arg(maxLength));
        return std::nullopt;
    }
    return text;
}

QString JsonFields::requiredString(const QString& name, int maxLength)
{
    return string(name, maxLength, true).value_or(QString());
}

std::optional<QString> JsonFields::optionalString(const QString& name, int maxLength)
{
    return string(name, maxLength, false);
}

std::optional<bool> JsonFields::optionalBool(const QString& name)
{
    const QJsonValue value = m_object.value(name);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isBool()) {
        addProblem(name, QStringLiteral("must be true or false"));
        return std::nullopt;
    }
    return value.toBool();
}

std::optional<qint64> JsonFields::optionalInteger(const QString& name, qint64 min, qint64 max)
{
    const QJsonValue value = m_object.value(name);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const double number = value.toDouble();
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number))) {
        addProblem(name, QStringLiteral("must be a whole number"));
        return std::nullopt;
    }
    const auto integer = static_cast<qint64>(number);
    if (integer < min || integer > max) {
        addProblem(name, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
        return std::nullopt;
    }
    return integer;
}

qint64 JsonFields::requiredInteger(const QString& name, qint64 min, qint64 max)
{
    if (!m_object.contains(name) || m_object.value(name).isNull()) {
        addProblem(name, QStringLiteral("is required"));
        return 0;
    }
    return optionalInteger(name, min, max).value_or(0);
}

std::optional<QStringList> JsonFields::optionalStringList(const QString& name, int maxItems, int maxLength)
{
    const QJsonValue value = m_object.value(name);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isArray()) {
        addProblem(name, QStringLiteral("must be an array of strings"));
        return std::nullopt;
    }
    const QJsonArray array = value.toArray();
    if (array.size() > maxItems) {
        addProblem(name, QStringLiteral("must have at most %1 items").arg(maxItems));
        return std::nullopt;
    }
    QStringList items;
    for (const QJsonValue& item : array) {
        if (!item.isString() || item.toString().size() > maxLength) {
            addProblem(name, QStringLiteral("must be an array of strings of at most %1 characters").arg(maxLength));
            return std::nullopt;
        }
        items.append(item.toString());
    }
    return items;
}

void JsonFields::addProblem(const QString& name, const QString& reason)
{
    if (!m_problems.contains(name))
        m_problems.insert(name, reason);
}

Error JsonFields::error() const
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("some fields are missing or invalid"));
    error.fields = m_problems;
    return error;
}

} // namespace authshield::server
