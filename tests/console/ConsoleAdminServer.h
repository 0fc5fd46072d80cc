#pragma once

// A real server for the console's data pages: SQLite, relaxed per-IP limits (tests log in many times from
// 127.0.0.1), one administrator created through the CLI, and blocking helpers that go through ApiClient::send.

#include "console/api/ApiClient.h"
#include "tests/support/ServerProcess.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

#include <memory>

namespace authshield::test {

inline const QString kAdminEmail = QStringLiteral("admin@example.com");
inline const QString kPassword = QStringLiteral("Correct-Horse-Battery-9");

struct Answer
{
    bool ok = false;
    bool done = false;
    int status = 0;
    QJsonDocument body;
    console::ApiError error;
};

// One request through the console's own client, waited for (bounded).
inline Answer call(console::ApiClient& api, const QByteArray& verb, const QString& path,
                   const QJsonDocument& body = {}, const QUrlQuery& query = {})
{
    Answer answer;
    QObject context;
    api.send(
        verb, path, query, body, &context,
        [&answer](const QJsonDocument& document, int status) {
            answer.ok = true;
            answer.status = status;
            answer.body = document;
            answer.done = true;
        },
        [&answer](const console::ApiError& error) {
            answer.error = error;
            answer.status = error.httpStatus;
            answer.done = true;
        });
    if (!QTest::qWaitFor([&answer]() { return answer.done; }, 30000))
        answer.error.message = QStringLiteral("%1 %2 got no answer in 30 s").arg(QString::fromLatin1(verb), path);
    return answer;
}

inline Answer post(console::ApiClient& api, const QString& path, const QJsonObject& body)
{
    return call(api, QByteArrayLiteral("POST"), path, QJsonDocument(body));
}

class ConsoleAdminServer
{
public:
    // Empty on success, otherwise what went wrong.
    QString start()
    {
        QMap<QString, QString> env{{"AUTHSHIELD_RATELIMIT_LOGIN_IP", "100000/60s"},
                                   {"AUTHSHIELD_RATELIMIT_LOGIN_ACCOUNT", "100000/60s"},
                                   {"AUTHSHIELD_RATELIMIT_GLOBAL_IP", "1000000/60s"},
                                   {"AUTHSHIELD_RATELIMIT_REFRESH_IP", "100000/60s"},
                                   {"AUTHSHIELD_RATELIMIT_FORGOT_IP", "100000/60s"},
                                   {"AUTHSHIELD_RATELIMIT_FORGOT_ACCOUNT", "100000/60s"}};
        m_server = std::make_unique<ServerProcess>(env);
        if (!m_server->start())
            return QString::fromUtf8(m_server->log());
        const CommandResult created = ServerProcess::runCommand(
            {"create-admin", "--email", kAdminEmail, "--data-dir", m_server->dataDir()}, m_server->env(),
            kPassword.toUtf8() + "\n");
        if (created.exitCode != 0)
            return QString::fromUtf8(created.err);
        m_admin = newClient(nullptr);
        const QByteArray token = login(kAdminEmail, kPassword);
        if (token.isEmpty())
            return QStringLiteral("the administrator cannot log in");
        m_admin->setAccessToken(token);
        return {};
    }

    int stop() { return m_server ? m_server->stop() : 0; }
    ServerProcess& process() { return *m_server; }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->port())); }
    console::ApiClient& admin() { return *m_admin; }

    std::unique_ptr<console::ApiClient> newClient(QObject* parent) const
    {
        auto api = std::make_unique<console::ApiClient>(parent);
        api->setServerUrl(url());
        return api;
    }

    // A client logged in as the administrator, owned by `parent` (what a page gets from the shell).
    console::ApiClient* adminClient(QObject* parent) const
    {
        auto* api = new console::ApiClient(parent);
        api->setServerUrl(url());
        api->setAccessToken(m_admin->accessToken());
        return api;
    }

    Answer loginAnswer(const QString& email, const QString& password) const
    {
        auto api = newClient(nullptr);
        return post(*api, QStringLiteral("/api/v1/auth/login"),
                    {{QStringLiteral("email"), email}, {QStringLiteral("password"), password}});
    }

    QByteArray login(const QString& email, const QString& password) const
    {
        const Answer answer = loginAnswer(email, password);
        return answer.ok ? answer.body.object().value(QStringLiteral("access_token")).toString().toUtf8()
                         : QByteArray();
    }

    // Through the admin API; a password only when the user must log in (Argon2 is slow under ASan).
    QString createUser(const QString& email, const QString& password = {}, const QStringList& roles = {},
                       const QString& displayName = {})
    {
        QJsonObject body{{QStringLiteral("email"), email}, {QStringLiteral("email_verified"), true},
                         {QStringLiteral("send_invite"), false}};
        if (!password.isEmpty())
            body.insert(QStringLiteral("password"), password);
        if (!roles.isEmpty())
            body.insert(QStringLiteral("roles"), QJsonArray::fromStringList(roles));
        if (!displayName.isEmpty())
            body.insert(QStringLiteral("display_name"), displayName);
        const Answer answer = post(*m_admin, QStringLiteral("/api/v1/admin/users"), body);
        if (!answer.ok)
            qWarning("creating %s failed: %s", qPrintable(email), qPrintable(answer.error.displayText()));
        return answer.body.object().value(QStringLiteral("id")).toString();
    }

    QJsonObject user(const QString& id)
    {
        return call(*m_admin, QByteArrayLiteral("GET"), QStringLiteral("/api/v1/admin/users/") + id).body.object();
    }

    // GET /users/me with a user's own token: whether the token still works.
    int meStatus(const QByteArray& token) const
    {
        auto api = newClient(nullptr);
        api->setAccessToken(token);
        const Answer answer = call(*api, QByteArrayLiteral("GET"), QStringLiteral("/api/v1/users/me"));
        return answer.status;
    }

private:
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<console::ApiClient> m_admin;
};

} // namespace authshield::test
