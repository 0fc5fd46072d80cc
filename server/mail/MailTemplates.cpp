#include "server/mail/MailTemplates.h"

#include <QFile>
#include <QRegularExpression>

namespace authshield::server {

namespace {

Result<QString> readResource(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error::make(ErrorCode::Internal, QStringLiteral("mail template %1 is missing").arg(path));
    return QString::fromUtf8(file.readAll());
}

} // namespace

Result<QString> MailTemplates::substitute(const QString& text, const Values& values, bool htmlEscape)
{
    static const QRegularExpression placeholder(QStringLiteral("\\{\\{\\s*([a-z_][a-z0-9_]*)\\s*\\}\\}"));
    QString out;
    out.reserve(text.size());
    qsizetype last = 0;
    QRegularExpressionMatchIterator it = placeholder.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        const QString name = match.captured(1);
        if (!values.contains(name))
            return Error::make(ErrorCode::Internal, QStringLiteral("mail template value {{%1}} not given").arg(name));
        out += QStringView(text).mid(last, match.capturedStart() - last);
        out += htmlEscape ? values.value(name).toHtmlEscaped() : values.value(name);
        last = match.capturedEnd();
    }
    out += QStringView(text).mid(last);
    return out;
}

Result<MailMessage> MailTemplates::render(const QString& name, const QString& to, const Values& values)
{
    const QString base = QStringLiteral(":/resources/mail/") + name;
    Result<QString> text = readResource(base + QStringLiteral(".txt"));
    if (!text)
        return text.error();
    Result<QString> html = readResource(base + QStringLiteral(".html"));
    if (!html)
        return html.error();

    const QString subjectPrefix = QStringLiteral("Subject:");
    if (!text->startsWith(subjectPrefix))
        return Error::make(ErrorCode::Internal, QStringLiteral("mail template %1 has no Subject line").arg(name));
    const qsizetype lineEnd = text->indexOf(u'\n');
    const QString subjectLine = text->mid(subjectPrefix.size(), lineEnd < 0 ? -1 : lineEnd - subjectPrefix.size());
    const QString body = lineEnd < 0 ? QString() : text->mid(lineEnd + 1);

    Result<QString> subject = substitute(subjectLine.trimmed(), values, false);
    Result<QString> textBody = subject ? substitute(body, values, false) : subject;
    Result<QString> htmlBody = textBody ? substitute(*html, values, true) : textBody;
    if (!htmlBody)
        return htmlBody.error();

    MailMessage message;
    message.to = to;
    // Header injection guard: a value can only reach the subject through a template, but never let a newline in.
    message.subject = subject->simplified();
    message.text = *textBody;
    message.html = *htmlBody;
    message.templateName = name;
    return message;
}

} // namespace authshield::server
