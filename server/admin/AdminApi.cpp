#include "server/admin/AdminApi.h"

#include "server/accounts/AccountService.h"
#include "server/accounts/UserAdministration.h"
#include "server/accounts/UserDirectory.h"
#include "server/app/AuthModule.h"
#include "server/app/SecurityServices.h"
#include "server/audit/AuditLog.h"
#include "server/audit/AuditQuery.h"
#include "server/audit/SiteStatistics.h"
#include "server/core/Clock.h"
#include "server/core/Config.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/mail/MailOutbox.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/rbac/RoleDirectory.h"
#include "server/sessions/SessionDirectory.h"
#include "server/storage/PageCursor.h"
#include "server/tokens/SigningKeyStore.h"
#include "server/tokens/TokenService.h"

#include <QJsonArray>
#include <QUuid>

namespace authshield::server {

namespace {
const QString kBase = QStringLiteral("/api/v1/admin");
constexpr int kMaxEmail = 320;
constexpr int kMaxPassword = 4096;
constexpr int kMaxName = 1000;
constexpr int kMaxRoles = 64;

RequestOrigin originOf(const HttpRequest& request)
{
    return RequestOrigin { request.clientAddress.toString(), request.userAgent(), request.requestId };
}

QString actorOf(const RequestContext& context)
{
    return context.principal ? context.principal->userId : QString();
}

QString param(const HttpRequest& request, const QString& name)
{
    return request.query.queryItemValue(name, QUrl::FullyDecoded);
}

QJsonValue isoTime(const std::optional<QDateTime>& time)
{
    return time ? QJsonValue(time->toUTC().toString(Qt::ISODateWithMs)) : QJsonValue(QJsonValue::Null);
}

QJsonValue cursorJson(const QString& cursor)
{
    return cursor.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(cursor);
}

// Conflicts with their own code (last_admin, role_in_use) carry it in fields["code"] (AdminErrors.h).
HttpResponse failure(const Error& error)
{
    if (error.code == ErrorCode::Conflict && error.fields.size() == 1 && error.fields.contains(QStringLiteral("code")))
        return HttpResponse::json(409, QJsonObject { { QStringLiteral("error"),
                                                       QJsonObject { { QStringLiteral("code"),
                                                                       error.fields.value(QStringLiteral("code")) },
                                                                     { QStringLiteral("message"), error.message } } } });
    return HttpResponse::error(error);
}

QJsonObject userJson(const UserSummary& summary)
{
    const User& user = summary.user;
    return QJsonObject { { QStringLiteral("id"), user.id },
                         { QStringLiteral("email"), user.email },
                         { QStringLiteral("display_name"), user.displayName },
                         { QStringLiteral("status"), userStatusName(user.status) },
                         { QStringLiteral("email_verified"), user.emailVerified },
                         { QStringLiteral("locked"), summary.lockedUntil.has_value() },
                         { QStringLiteral("locked_until"), isoTime(summary.lockedUntil) },
                         { QStringLiteral("roles"), QJsonArray::fromStringList(summary.roles) },
                         { QStringLiteral("created_at"), isoTime(user.createdAt) },
                         { QStringLiteral("last_login_at"), isoTime(user.lastLoginAt) } };
}

QJsonObject sessionJson(const SessionListing& listing, const QDateTime& now)
{
    const Session& session = listing.session;
    return QJsonObject { { QStringLiteral("id"), session.id },
                         { QStringLiteral("user_id"), session.userId },
                         { QStringLiteral("user_email"), listing.userEmail },
                         { QStringLiteral("created_at"), isoTime(session.createdAt) },
                         { QStringLiteral("last_seen_at"), isoTime(session.lastSeenAt) },
                         { QStringLiteral("ip"), session.ip },
                         { QStringLiteral("user_agent"), session.userAgent },
                         { QStringLiteral("device"), session.device },
                         { QStringLiteral("active"), session.isActive(now) } };
}

QJsonObject roleJson(const RoleInfo& role)
{
    return QJsonObject { { QStringLiteral("name"), role.name },
                         { QStringLiteral("description"), role.description },
                         { QStringLiteral("builtin"), role.builtin },
                         { QStringLiteral("permissions"), QJsonArray::fromStringList(role.permissions) },
                         { QStringLiteral("user_count"), role.userCount } };
}

QJsonObject keyJson(const SigningKeyInfo& key, const QDateTime& now)
{
    QString status = QStringLiteral("retired");
    if (key.current)
        status = QStringLiteral("active");
    else if (!key.retiredAt || !key.expiresAt || *key.expiresAt > now)
        status = QStringLiteral("retiring");
    return QJsonObject { { QStringLiteral("kid"), key.kid },
                         { QStringLiteral("alg"), key.algorithm },
                         { QStringLiteral("created_at"), isoTime(key.createdAt) },
                         { QStringLiteral("status"), status } };
}

HttpResponse page(const QJsonArray& items, const QString& nextCursor)
{
    return HttpResponse::json(200, QJsonObject { { QStringLiteral("items"), items },
                                                 { QStringLiteral("next_cursor"), cursorJson(nextCursor) } });
}

Error invalidParameter(const QString& name, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("a query parameter is not valid"));
    error.fields.insert(name, reason);
    return error;
}

Result<UserFilter> userFilter(const HttpRequest& request)
{
    UserFilter filter;
    filter.text = param(request, QStringLiteral("q")).trimmed();
    if (filter.text.size() > 254)
        return invalidParameter(QStringLiteral("q"), QStringLiteral("at most 254 characters"));
    filter.status = param(request, QStringLiteral("status"));
    filter.role = param(request, QStringLiteral("role"));
    return filter;
}

Result<QJsonObject> bodyOf(const HttpRequest& request)
{
    return parseJsonObject(request.body);
}
} // namespace

AdminApi::AdminApi(const ServerConfig& config, const Database& database, const Clock& clock, const AuditLog& audit,
                   AccountService& accounts, AuthModule& auth, SecurityServices& security, const MailOutbox& outbox)
    : m_config(config)
    , m_database(database)
    , m_clock(clock)
    , m_audit(audit)
    , m_auth(auth)
    , m_security(security)
    , m_outbox(outbox)
{
    AccountLockout* lockout = &security.lockout();
    const Clock* clockPtr = &clock;
    m_directory = std::make_unique<UserDirectory>(
        database, clock, [lockout, clockPtr](const QString& email) -> Result<std::optional<QDateTime>> {
            Result<std::chrono::milliseconds> remaining = lockout->lockedFor(email);
            if (!remaining)
                return remaining.error();
            if (remaining->count() <= 0)
                return std::optional<QDateTime>();
            return std::optional<QDateTime>(clockPtr->now().addMSecs(remaining->count()));
        });
    TokenService* tokens = &auth.tokens();
    SessionRevoker revoker = [tokens](const QString& userId, const QString& reason, const RequestOrigin& origin,
                                      const QString& except) {
        return tokens->revokeAllSessions(userId, reason, origin, except);
    };
    const Database* db = &database;
    UserUnlocker unlocker = [lockout, db, clockPtr](const QString& userId, const QString& actorId,
                                                    const RequestOrigin& origin) {
        UserRepository users(*db, *clockPtr);
        return lockout->unlockUser(users, userId, actorId, origin, QStringLiteral("admin.user.unlocked"));
    };
    m_administration = std::make_unique<UserAdministration>(database, clock, audit, accounts, *m_directory,
                                                            std::move(revoker), std::move(unlocker));
    m_sessions = std::make_unique<SessionDirectory>(database, clock, auth.sessions(), audit);
    m_roles = std::make_unique<RoleDirectory>(database, clock, audit, auth.roles());
    m_auditQuery = std::make_unique<AuditQuery>(database);
    m_statistics = std::make_unique<SiteStatistics>(database, clock);

    m_settings.add(makeRateLimitSection(security.settings()));
    m_settings.add(makeLockoutSection(security.settings()));
    m_settings.add(makeStoredSection(QStringLiteral("password_policy"),
                                     { IntegerSetting { QStringLiteral("min_length"), config.password.minLength, 8, 128 },
                                       IntegerSetting { QStringLiteral("max_bytes"), config.password.maxBytes, 64, 4096 } },
                                     database, audit, clock));
    // The password limits are read live (one indexed read per check, on paths that run Argon2 anyway), so a change
    // applies at once on every instance; a failed read keeps the configured limits.
    const SettingsSection* passwordSection = m_settings.find(QStringLiteral("password_policy"));
    const PasswordConfig configured = config.password;
    accounts.setPasswordLimitsSource([passwordSection, configured] {
        PasswordConfig limits = configured;
        if (const Result<QJsonObject> live = passwordSection->current()) {
            limits.minLength = live->value(QStringLiteral("min_length")).toInt(limits.minLength);
            limits.maxBytes = live->value(QStringLiteral("max_bytes")).toInt(limits.maxBytes);
        }
        return limits;
    });
    m_settings.add(makeStoredSection(
        QStringLiteral("tokens"),
        { IntegerSetting { QStringLiteral("access_ttl"), config.tokens.accessTtl.count(), 60, 86400 },
          IntegerSetting { QStringLiteral("refresh_ttl"), config.tokens.refreshTtl.count(), 3600, 366LL * 86400 } },
        database, audit, clock));
}

AdminApi::~AdminApi() = default;

void AdminApi::registerRoutes(Router& router)
{
    auto options = [](const QString& permission, bool slow = false, bool jsonBody = false) {
        return RouteOptions { .auth = Auth::Bearer, .permission = permission, .jsonBody = jsonBody, .slow = slow };
    };
    UserDirectory* directory = m_directory.get();
    UserAdministration* administration = m_administration.get();
    SessionDirectory* sessions = m_sessions.get();
    RoleDirectory* roles = m_roles.get();
    AuditQuery* auditQuery = m_auditQuery.get();
    const AuditLog* audit = &m_audit;
    SiteStatistics* statistics = m_statistics.get();
    SettingsRegistry* settings = &m_settings;
    SigningKeyStore* keys = &m_auth.signingKeys();
    const MailOutbox* outbox = &m_outbox;
    const Clock* clock = &m_clock;

    // ---- users
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/users"),
        [directory](const HttpRequest& request, RequestContext&) {
            Result<UserFilter> filter = userFilter(request);
            if (!filter)
                return failure(filter.error());
            Result<int> limit = parsePageLimit(param(request, QStringLiteral("limit")));
            if (!limit)
                return failure(limit.error());
            UserQuery query;
            query.filter = *filter;
            query.limit = *limit;
            query.cursor = param(request, QStringLiteral("cursor"));
            const QString sort = param(request, QStringLiteral("sort"));
            const QString order = param(request, QStringLiteral("order"));
            if (!sort.isEmpty() && sort != QLatin1String("created") && sort != QLatin1String("email"))
                return failure(invalidParameter(QStringLiteral("sort"), QStringLiteral("must be created or email")));
            if (!order.isEmpty() && order != QLatin1String("asc") && order != QLatin1String("desc"))
                return failure(invalidParameter(QStringLiteral("order"), QStringLiteral("must be asc or desc")));
            query.sortByEmail = sort == QLatin1String("email");
            query.descending = order == QLatin1String("desc");
            Result<UserPage> found = directory->search(query);
            if (!found)
                return failure(found.error());
            QJsonArray items;
            for (const UserSummary& user : std::as_const(found->items))
                items.append(userJson(user));
            return page(items, found->nextCursor);
        },
        options(QStringLiteral("users.read")));

    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/users/count"),
        [directory](const HttpRequest& request, RequestContext&) {
            Result<UserFilter> filter = userFilter(request);
            if (!filter)
                return failure(filter.error());
            Result<qint64> total = directory->count(*filter);
            if (!total)
                return failure(total.error());
            return HttpResponse::json(200, QJsonObject { { QStringLiteral("total"), *total } });
        },
        options(QStringLiteral("users.read"), true));

    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/users/{id}"),
        [directory, mfaStatus = &m_mfaStatus](const HttpRequest& request, RequestContext&) {
            const QString id = request.pathParam(QStringLiteral("id"));
            Result<std::optional<UserSummary>> found = directory->find(id);
            if (!found)
                return failure(found.error());
            if (!found->has_value())
                return HttpResponse::error(ErrorCode::NotFound, QStringLiteral("no such user"));
            Result<qint64> sessionCount = directory->activeSessionCount(id);
            if (!sessionCount)
                return failure(sessionCount.error());
            QJsonObject user = userJson(**found);
            user.insert(QStringLiteral("session_count"), *sessionCount);
            bool mfaEnabled = false;
            if (*mfaStatus) {
                Result<bool> enabled = (*mfaStatus)(id);
                if (!enabled)
                    return failure(enabled.error());
                mfaEnabled = *enabled;
            }
            user.insert(QStringLiteral("mfa_enabled"), mfaEnabled);
            return HttpResponse::json(200, user);
        },
        options(QStringLiteral("users.read")));

    RouteOptions createOptions = options(QStringLiteral("users.write"), true, true);
    createOptions.sensitiveBody = true;
    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/users"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = bodyOf(request);
            if (!body)
                return failure(body.error());
            JsonFields fields(*body);
            AdminNewUser user;
            user.email = fields.requiredString(QStringLiteral("email"), kMaxEmail);
            user.displayName = fields.optionalString(QStringLiteral("display_name"), kMaxName).value_or(QString());
            user.password = fields.optionalString(QStringLiteral("password"), kMaxPassword);
            user.roles = fields.optionalStringList(QStringLiteral("roles"), kMaxRoles, 64);
            user.emailVerified = fields.optionalBool(QStringLiteral("email_verified")).value_or(false);
            user.sendInvite = fields.optionalBool(QStringLiteral("send_invite")).value_or(false);
            if (!fields.ok())
                return failure(fields.error());
            Result<UserSummary> created = administration->create(user, actorOf(context), originOf(request));
            if (!created)
                return failure(created.error());
            HttpResponse response = HttpResponse::json(201, userJson(*created));
            response.setHeader(QByteArrayLiteral("Location"), (kBase + QStringLiteral("/users/") + created->user.id).toUtf8());
            return response;
        },
        createOptions);

    router.add(
        HttpMethod::Patch, kBase + QStringLiteral("/users/{id}"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = bodyOf(request);
            if (!body)
                return failure(body.error());
            JsonFields fields(*body);
            AdminUserChange change;
            change.displayName = fields.optionalString(QStringLiteral("display_name"), kMaxName);
            if (const std::optional<QString> status = fields.optionalString(QStringLiteral("status"), 32)) {
                change.status = parseUserStatus(*status);
                if (!change.status)
                    fields.addProblem(QStringLiteral("status"), QStringLiteral("must be active or disabled"));
            }
            change.emailVerified = fields.optionalBool(QStringLiteral("email_verified"));
            change.roles = fields.optionalStringList(QStringLiteral("roles"), kMaxRoles, 64);
            if (!fields.ok())
                return failure(fields.error());
            Result<UserSummary> updated = administration->update(request.pathParam(QStringLiteral("id")), change,
                                                                 actorOf(context), originOf(request));
            if (!updated)
                return failure(updated.error());
            return HttpResponse::json(200, userJson(*updated));
        },
        options(QStringLiteral("users.write"), false, true));

    router.add(
        HttpMethod::Delete, kBase + QStringLiteral("/users/{id}"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<void> removed
                = administration->remove(request.pathParam(QStringLiteral("id")), actorOf(context), originOf(request));
            return removed ? HttpResponse::noContent() : failure(removed.error());
        },
        options(QStringLiteral("users.write")));

    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/users/{id}/unlock"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<bool> unlocked
                = administration->unlock(request.pathParam(QStringLiteral("id")), actorOf(context), originOf(request));
            return unlocked ? HttpResponse::noContent() : failure(unlocked.error());
        },
        options(QStringLiteral("users.write"), false, true));

    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/users/{id}/logout-all"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<int> revoked = administration->logoutAll(request.pathParam(QStringLiteral("id")), actorOf(context),
                                                            originOf(request));
            return revoked ? HttpResponse::noContent() : failure(revoked.error());
        },
        options(QStringLiteral("users.write"), false, true));

    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/users/{id}/password-reset"),
        [administration](const HttpRequest& request, RequestContext& context) {
            Result<void> sent = administration->sendPasswordReset(request.pathParam(QStringLiteral("id")),
                                                                  actorOf(context), originOf(request));
            return sent ? HttpResponse::json(202, QJsonObject { { QStringLiteral("status"), QStringLiteral("reset_sent") } })
                        : failure(sent.error());
        },
        options(QStringLiteral("users.write"), false, true));

    // ---- sessions
    auto listSessions = [sessions, clock](const HttpRequest& request, const QString& userId) {
        Result<int> limit = parsePageLimit(param(request, QStringLiteral("limit")));
        if (!limit)
            return failure(limit.error());
        const QString active = param(request, QStringLiteral("active"));
        if (!active.isEmpty() && active != QLatin1String("true") && active != QLatin1String("false"))
            return failure(invalidParameter(QStringLiteral("active"), QStringLiteral("must be true or false")));
        Result<SessionPage> found
            = sessions->list(userId, active == QLatin1String("true"), *limit, param(request, QStringLiteral("cursor")));
        if (!found)
            return failure(found.error());
        const QDateTime now = clock->now();
        QJsonArray items;
        for (const SessionListing& listing : std::as_const(found->items))
            items.append(sessionJson(listing, now));
        return page(items, found->nextCursor);
    };
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/sessions"),
        [listSessions](const HttpRequest& request, RequestContext&) {
            return listSessions(request, param(request, QStringLiteral("user")));
        },
        options(QStringLiteral("sessions.read")));
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/users/{id}/sessions"),
        [listSessions, directory](const HttpRequest& request, RequestContext&) {
            const QString id = request.pathParam(QStringLiteral("id"));
            Result<std::optional<UserSummary>> found = directory->find(id);
            if (!found)
                return failure(found.error());
            if (!found->has_value())
                return HttpResponse::error(ErrorCode::NotFound, QStringLiteral("no such user"));
            return listSessions(request, id);
        },
        options(QStringLiteral("sessions.read")));
    router.add(
        HttpMethod::Delete, kBase + QStringLiteral("/sessions/{id}"),
        [sessions](const HttpRequest& request, RequestContext& context) {
            Result<void> revoked
                = sessions->revoke(request.pathParam(QStringLiteral("id")), actorOf(context), originOf(request));
            return revoked ? HttpResponse::noContent() : failure(revoked.error());
        },
        options(QStringLiteral("sessions.revoke")));

    // ---- roles
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/roles"),
        [roles](const HttpRequest&, RequestContext&) {
            Result<QList<RoleInfo>> all = roles->roles();
            if (!all)
                return failure(all.error());
            QJsonArray items;
            for (const RoleInfo& role : std::as_const(*all))
                items.append(roleJson(role));
            return page(items, {});
        },
        options(QStringLiteral("roles.read")));
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/permissions"),
        [roles](const HttpRequest&, RequestContext&) {
            Result<QList<PermissionInfo>> all = roles->permissions();
            if (!all)
                return failure(all.error());
            QJsonArray items;
            for (const PermissionInfo& permission : std::as_const(*all))
                items.append(QJsonObject { { QStringLiteral("name"), permission.name },
                                           { QStringLiteral("description"), permission.description } });
            return page(items, {});
        },
        options(QStringLiteral("roles.read")));
    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/roles"),
        [roles](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = bodyOf(request);
            if (!body)
                return failure(body.error());
            JsonFields fields(*body);
            const QString name = fields.requiredString(QStringLiteral("name"), 64);
            const QString description = fields.optionalString(QStringLiteral("description"), 500).value_or(QString());
            const std::optional<QStringList> permissions
                = fields.optionalStringList(QStringLiteral("permissions"), 200, 128);
            if (!permissions && !body->contains(QStringLiteral("permissions")))
                fields.addProblem(QStringLiteral("permissions"), QStringLiteral("is required"));
            if (!fields.ok())
                return failure(fields.error());
            Result<RoleInfo> created
                = roles->create(name, description, permissions.value_or(QStringList()), actorOf(context), originOf(request));
            if (!created)
                return failure(created.error());
            return HttpResponse::json(201, roleJson(*created));
        },
        options(QStringLiteral("roles.write"), false, true));
    router.add(
        HttpMethod::Patch, kBase + QStringLiteral("/roles/{name}"),
        [roles](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = bodyOf(request);
            if (!body)
                return failure(body.error());
            JsonFields fields(*body);
            RoleChange change;
            change.newName = fields.optionalString(QStringLiteral("new_name"), 64);
            change.description = fields.optionalString(QStringLiteral("description"), 500);
            change.permissions = fields.optionalStringList(QStringLiteral("permissions"), 200, 128);
            if (!fields.ok())
                return failure(fields.error());
            Result<RoleInfo> updated
                = roles->update(request.pathParam(QStringLiteral("name")), change, actorOf(context), originOf(request));
            if (!updated)
                return failure(updated.error());
            return HttpResponse::json(200, roleJson(*updated));
        },
        options(QStringLiteral("roles.write"), false, true));
    router.add(
        HttpMethod::Delete, kBase + QStringLiteral("/roles/{name}"),
        [roles](const HttpRequest& request, RequestContext& context) {
            const QString force = param(request, QStringLiteral("force"));
            if (!force.isEmpty() && force != QLatin1String("true") && force != QLatin1String("false"))
                return failure(invalidParameter(QStringLiteral("force"), QStringLiteral("must be true or false")));
            Result<void> removed = roles->remove(request.pathParam(QStringLiteral("name")), force == QLatin1String("true"),
                                                 actorOf(context), originOf(request));
            return removed ? HttpResponse::noContent() : failure(removed.error());
        },
        options(QStringLiteral("roles.write")));

    // ---- audit
    auto auditFilter = [](const HttpRequest& request) {
        return AuditQuery::parseFilter(param(request, QStringLiteral("type")), param(request, QStringLiteral("actor")),
                                       param(request, QStringLiteral("subject")), param(request, QStringLiteral("ip")),
                                       param(request, QStringLiteral("from")), param(request, QStringLiteral("to")));
    };
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/audit"),
        [auditQuery, auditFilter](const HttpRequest& request, RequestContext&) {
            Result<AuditFilter> filter = auditFilter(request);
            if (!filter)
                return failure(filter.error());
            Result<int> limit = parsePageLimit(param(request, QStringLiteral("limit")));
            if (!limit)
                return failure(limit.error());
            Result<AuditPage> found = auditQuery->page(*filter, *limit, param(request, QStringLiteral("cursor")));
            if (!found)
                return failure(found.error());
            QJsonArray items;
            for (const StoredAuditEvent& event : std::as_const(found->items))
                items.append(AuditExport::eventJson(event));
            return page(items, found->nextCursor);
        },
        options(QStringLiteral("audit.read")));
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/audit/export"),
        [auditQuery, auditFilter](const HttpRequest& request, RequestContext&) {
            Result<AuditFilter> filter = auditFilter(request);
            if (!filter)
                return failure(filter.error());
            const QString format = param(request, QStringLiteral("format"));
            if (format != QLatin1String("csv") && format != QLatin1String("ndjson"))
                return failure(invalidParameter(QStringLiteral("format"), QStringLiteral("must be csv or ndjson")));
            const bool csv = format == QLatin1String("csv");
            auto exporter = std::make_shared<AuditExport>(*auditQuery, *filter,
                                                          csv ? AuditExport::Format::Csv : AuditExport::Format::Ndjson);
            HttpResponse response = HttpResponse::streamed(
                200, csv ? QByteArrayLiteral("text/csv; charset=utf-8") : QByteArrayLiteral("application/x-ndjson"),
                [exporter]() -> Result<QByteArray> {
                    // A batch may match nothing while more batches follow only at the end; loop to a non-empty piece.
                    for (int i = 0; i < 1000 && !exporter->atEnd(); ++i) {
                        Result<QByteArray> piece = exporter->next();
                        if (!piece || !piece->isEmpty())
                            return piece;
                    }
                    return QByteArray();
                });
            response.setHeader(QByteArrayLiteral("Content-Disposition"),
                               csv ? QByteArrayLiteral("attachment; filename=\"audit.csv\"")
                                   : QByteArrayLiteral("attachment; filename=\"audit.ndjson\""));
            return response;
        },
        options(QStringLiteral("audit.read"), true));
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/audit/verify"),
        [audit](const HttpRequest&, RequestContext&) {
            Result<AuditVerification> verified = audit->verify();
            if (!verified)
                return failure(verified.error());
            return HttpResponse::json(
                200, QJsonObject { { QStringLiteral("ok"), verified->ok },
                                   { QStringLiteral("checked"), verified->checked },
                                   { QStringLiteral("first_broken_seq"),
                                     verified->firstBrokenSeq ? QJsonValue(*verified->firstBrokenSeq)
                                                              : QJsonValue(QJsonValue::Null) } });
        },
        options(QStringLiteral("audit.read"), true));

    // ---- settings
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/settings/security"),
        [settings](const HttpRequest&, RequestContext&) {
            Result<QJsonObject> document = settings->snapshot();
            return document ? HttpResponse::json(200, *document) : failure(document.error());
        },
        options(QStringLiteral("settings.read")));
    router.add(
        HttpMethod::Put, kBase + QStringLiteral("/settings/security"),
        [settings](const HttpRequest& request, RequestContext& context) {
            Result<QJsonObject> body = bodyOf(request);
            if (!body)
                return failure(body.error());
            Result<QJsonObject> document = settings->update(*body, actorOf(context), originOf(request));
            return document ? HttpResponse::json(200, *document) : failure(document.error());
        },
        options(QStringLiteral("settings.write"), false, true));

    // ---- keys
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/keys"),
        [keys, clock](const HttpRequest&, RequestContext&) {
            const QDateTime now = clock->now();
            QJsonArray items;
            for (const SigningKeyInfo& key : keys->keys())
                items.append(keyJson(key, now));
            return page(items, {});
        },
        options(QStringLiteral("keys.read")));
    router.add(
        HttpMethod::Post, kBase + QStringLiteral("/keys/rotate"),
        [keys, audit, clock](const HttpRequest& request, RequestContext& context) {
            Result<QString> kid = keys->rotate();
            if (!kid)
                return failure(kid.error());
            const RequestOrigin origin = originOf(request);
            // SigningKeyStore::rotate commits on its own; the event follows it (as for scheduled rotations).
            (void)audit->record(AuditEvent { QStringLiteral("keys.rotated"), actorOf(context), *kid, origin.ip,
                                             origin.userAgent, origin.requestId, QStringLiteral("success"),
                                             QJsonObject { { QStringLiteral("kid"), *kid },
                                                           { QStringLiteral("by"), QStringLiteral("admin") } } });
            const QDateTime now = clock->now();
            for (const SigningKeyInfo& key : keys->keys())
                if (key.kid == *kid)
                    return HttpResponse::json(201, keyJson(key, now));
            return HttpResponse::json(201, QJsonObject { { QStringLiteral("kid"), *kid } });
        },
        options(QStringLiteral("keys.rotate"), true, true));

    // ---- stats
    router.add(
        HttpMethod::Get, kBase + QStringLiteral("/stats"),
        [statistics, directory, outbox](const HttpRequest&, RequestContext&) {
            Result<SiteCounts> counts = statistics->counts();
            if (!counts)
                return failure(counts.error());
            Result<QStringList> locked = directory->lockedUserIds();
            if (!locked)
                return failure(locked.error());
            Result<OutboxDepth> depth = outbox->depth();
            if (!depth)
                return failure(depth.error());
            QJsonArray hours;
            for (const LoginHour& hour : std::as_const(counts->logins))
                hours.append(QJsonObject { { QStringLiteral("hour"), hour.hour.toString(Qt::ISODateWithMs) },
                                           { QStringLiteral("succeeded"), hour.succeeded },
                                           { QStringLiteral("failed"), hour.failed } });
            return HttpResponse::json(
                200,
                QJsonObject {
                    { QStringLiteral("users"), QJsonObject { { QStringLiteral("total"), counts->usersTotal },
                                                             { QStringLiteral("active"), counts->usersActive },
                                                             { QStringLiteral("disabled"), counts->usersDisabled },
                                                             { QStringLiteral("locked"), locked->size() },
                                                             { QStringLiteral("unverified"), counts->usersUnverified } } },
                    { QStringLiteral("sessions"), QJsonObject { { QStringLiteral("active"), counts->activeSessions } } },
                    { QStringLiteral("logins"), QJsonObject { { QStringLiteral("hours"), hours } } },
                    { QStringLiteral("lockouts_24h"), counts->lockouts24h },
                    { QStringLiteral("mail_outbox"), QJsonObject { { QStringLiteral("pending"), depth->pending },
                                                                   { QStringLiteral("failed"), depth->failed } } } });
        },
        options(QStringLiteral("stats.read"), true));
}

} // namespace authshield::server
