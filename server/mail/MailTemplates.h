#pragma once

#include "server/mail/MailMessage.h"
#include "shared/Result.h"

#include <QHash>
#include <QString>

namespace authshield::server {

// Renders resources/mail/<name>.txt and <name>.html. The first line of the .txt file is "Subject: …"; the
// rest is the body. {{placeholder}} is replaced by its value: verbatim in the text part and the subject,
// HTML-escaped in the HTML part, so a display name can never inject markup. An unknown placeholder fails.
class MailTemplates
{
public:
    using Values = QHash<QString, QString>;

    static Result<MailMessage> render(const QString& name, const QString& to, const Values& values);
    // Substitution alone (exposed for tests): htmlEscape chooses the escaping of the values.
    static Result<QString> substitute(const QString& text, const Values& values, bool htmlEscape);
};

} // namespace authshield::server
