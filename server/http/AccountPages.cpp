#include "server/http/AccountPages.h"

#include "server/accounts/AccountService.h"
#include "server/http/Router.h"

#include <QUrlQuery>

namespace authshield::server {

namespace {

constexpr int kMaxFormBytes = 8192;

struct Page
{
    QString title;
    QString body; // already escaped HTML
};

HttpResponse html(int status, const Page& page)
{
    const QString document = QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                            "<meta name=\"viewport\" content=\"width=device-width\">"
                                            "<title>%1 – AuthShield</title></head>\n<body>\n<h1>%1</h1>\n%2\n"
                                            "</body></html>\n")
                                 .arg(page.title.toHtmlEscaped(), page.body);
    HttpResponse response
        = HttpResponse::text(status, document.toUtf8(), QByteArrayLiteral("text/html; charset=utf-8"));
    response.setHeader(
        QByteArrayLiteral("Content-Security-Policy"),
        QByteArrayLiteral("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"));
    return response;
}

QString paragraph(const QString& text)
{
    return QStringLiteral("<p>") + text.toHtmlEscaped() + QStringLiteral("</p>");
}

// application/x-www-form-urlencoded: '+' is a space, the rest percent-decoded.
QUrlQuery formFields(const QByteArray& body)
{
    QByteArray plus = body.left(kMaxFormBytes);
    plus.replace('+', ' ');
    return QUrlQuery(QString::fromUtf8(plus));
}

QString field(const QUrlQuery& query, const QString& name)
{
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

QString verifyForm(const QString& token)
{
    return QStringLiteral("<form method=\"post\" action=\"/verify-email\">\n"
                          "<input type=\"hidden\" name=\"token\" value=\"%1\">\n"
                          "<button type=\"submit\">Confirm my email address</button>\n</form>")
        .arg(token.toHtmlEscaped());
}

QString resetForm(const QString& token)
{
    return QStringLiteral("<form method=\"post\" action=\"/reset-password\">\n"
                          "<input type=\"hidden\" name=\"token\" value=\"%1\">\n"
                          "<label for=\"new_password\">New password</label>\n"
                          "<input type=\"password\" id=\"new_password\" name=\"new_password\" "
                          "autocomplete=\"new-password\" required>\n"
                          "<button type=\"submit\">Change my password</button>\n</form>")
        .arg(token.toHtmlEscaped());
}

Page incompleteLink()
{
    return Page { QStringLiteral("Incomplete link"),
                  paragraph(QStringLiteral("This link has no token. Open the whole link from the mail.")) };
}

RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin { request.clientAddress.toString(), request.userAgent(), request.requestId };
}

// The reasons of a validation error as a list, or its message.
QString problems(const Error& error)
{
    if (error.fields.isEmpty())
        return paragraph(error.message);
    QString list = QStringLiteral("<ul>");
    for (auto it = error.fields.cbegin(); it != error.fields.cend(); ++it) {
        const QString name = it.key() == QLatin1String("new_password") ? QStringLiteral("The new password")
            : it.key() == QLatin1String("token")                       ? QStringLiteral("The link")
                                                                       : it.key();
        list += QStringLiteral("<li>") + (name + u' ' + it.value()).toHtmlEscaped() + QStringLiteral("</li>");
    }
    return list + QStringLiteral("</ul>");
}

} // namespace

void registerAccountPages(Router& router, AccountService& accounts)
{
    router.add(HttpMethod::Get, QStringLiteral("/verify-email"), [](const HttpRequest& request, RequestContext&) {
        const QString token = request.query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
        if (token.isEmpty())
            return html(400, incompleteLink());
        return html(200, Page { QStringLiteral("Confirm your email address"), verifyForm(token) });
    });

    router.add(
        HttpMethod::Post, QStringLiteral("/verify-email"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            const QString token = field(formFields(request.body), QStringLiteral("token"));
            if (token.isEmpty())
                return html(400, incompleteLink());
            const Result<void> verified = accounts.verifyEmail(token.toLatin1(), originOf(request));
            if (!verified)
                return html(errorCodeStatus(verified.error().code),
                            Page { QStringLiteral("Not confirmed"), problems(verified.error()) });
            return html(200,
                        Page { QStringLiteral("Email address confirmed"),
                               paragraph(QStringLiteral("Thank you. You can close this page and sign in.")) });
        },
        RouteOptions { .formBody = true, .sensitiveBody = true });

    router.add(HttpMethod::Get, QStringLiteral("/reset-password"), [](const HttpRequest& request, RequestContext&) {
        const QString token = request.query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
        if (token.isEmpty())
            return html(400, incompleteLink());
        return html(200, Page { QStringLiteral("Choose a new password"), resetForm(token) });
    });

    router.add(
        HttpMethod::Post, QStringLiteral("/reset-password"),
        [&accounts](const HttpRequest& request, RequestContext&) {
            const QUrlQuery form = formFields(request.body);
            const QString token = field(form, QStringLiteral("token"));
            if (token.isEmpty())
                return html(400, incompleteLink());
            const Result<void> reset = accounts.resetPassword(
                token.toLatin1(), field(form, QStringLiteral("new_password")), originOf(request));
            if (!reset) {
                const bool retry = !reset.error().fields.contains(QStringLiteral("token"));
                return html(errorCodeStatus(reset.error().code),
                            Page { QStringLiteral("Password not changed"),
                                   problems(reset.error()) + (retry ? resetForm(token) : QString()) });
            }
            return html(200,
                        Page { QStringLiteral("Password changed"),
                               paragraph(QStringLiteral("Your password was changed and every session was signed "
                                                        "out. You can close this page and sign in.")) });
        },
        RouteOptions { .formBody = true, .slow = true, .sensitiveBody = true });
}

} // namespace authshield::server
