#include "server/accounts/EmailAddress.h"

namespace authshield::server {

namespace {
Error invalid(const QString& field, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("some fields are missing or invalid"));
    error.fields.insert(field, reason);
    return error;
}

bool isAllowedLocalChar(QChar c)
{
    // Printable, no spaces, no angle brackets or quotes: enough for real addresses, nothing for header injection.
    return c.unicode() > 0x20 && c.unicode() != 0x7f && c != QLatin1Char('<') && c != QLatin1Char('>')
        && c != QLatin1Char('"') && c != QLatin1Char(',') && c != QLatin1Char(';') && c != QLatin1Char('\\')
        && c != QLatin1Char('(') && c != QLatin1Char(')');
}
} // namespace

Result<QString> EmailAddress::normalise(const QString& input, const QString& fieldName, bool lowerCaseLocalPart)
{
    const QString trimmed = input.trimmed();
    if (trimmed.isEmpty())
        return invalid(fieldName, QStringLiteral("is required"));
    if (trimmed.size() > kMaxLength)
        return invalid(fieldName, QStringLiteral("must be at most %1 characters").arg(kMaxLength));
    const qsizetype at = trimmed.lastIndexOf(QLatin1Char('@'));
    if (at <= 0 || at == trimmed.size() - 1 || trimmed.count(QLatin1Char('@')) != 1)
        return invalid(fieldName, QStringLiteral("must be an email address"));
    QString local = trimmed.left(at);
    QString domain = trimmed.mid(at + 1).toLower();
    if (local.size() > 64)
        return invalid(fieldName, QStringLiteral("must be an email address"));
    for (const QChar c : std::as_const(local)) {
        if (!isAllowedLocalChar(c))
            return invalid(fieldName, QStringLiteral("must be an email address"));
    }
    const QStringList labels = domain.split(QLatin1Char('.'));
    if (labels.size() < 2)
        return invalid(fieldName, QStringLiteral("must be an email address"));
    for (const QString& label : labels) {
        if (label.isEmpty() || label.size() > 63 || label.startsWith(QLatin1Char('-')) || label.endsWith(QLatin1Char('-')))
            return invalid(fieldName, QStringLiteral("must be an email address"));
        for (const QChar c : label) {
            if (!(c.isLetterOrNumber() || c == QLatin1Char('-')))
                return invalid(fieldName, QStringLiteral("must be an email address"));
        }
    }
    if (lowerCaseLocalPart)
        local = local.toLower();
    return local + QLatin1Char('@') + domain;
}

QString EmailAddress::localPart(const QString& normalised)
{
    return normalised.left(normalised.lastIndexOf(QLatin1Char('@')));
}

} // namespace authshield::server
