#pragma once

#include "server/http/HttpRequest.h"
#include "server/http/HttpResponse.h"
#include "server/http/RequestContext.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace authshield::server {

enum class Auth { None, Bearer };

// What a route needs, declared once at registration; the pipeline enforces it so handlers never repeat it.
struct RouteOptions
{
    Auth auth = Auth::None;
    QString permission; // checked after auth; empty = any authenticated caller
    bool jsonBody = false; // non-empty bodies must be application/json; parsed lazily by the handler
    bool formBody = false; // non-empty bodies must be application/x-www-form-urlencoded (HTML form posts)
    bool slow = false; // run the handler on the slow-work pool (Argon2, SMTP, exports, dependency checks)
    bool sensitiveBody = false; // never log or echo the body (passwords)
    QStringList rateLimitPolicies; // per-IP policies checked before auth; every /api/ route also gets global_ip
};

using RouteHandler = std::function<HttpResponse(const HttpRequest&, RequestContext&)>;

struct Route
{
    HttpMethod method = HttpMethod::Get;
    QString pattern; // "/api/v1/sessions/{id}"
    QStringList segments;
    bool hasPlaceholders = false;
    RouteOptions options;
    RouteHandler handler;
};

struct RouteMatch
{
    const Route* route = nullptr; // null: no route for this method
    QStringList allowedMethods; // non-empty when the path exists with other methods (405)
    QHash<QString, QString> params;
};

// The routing table: exact paths in a hash, patterned paths scanned. Built at start-up, then read-only,
// so all worker threads share it without locks.
class Router
{
public:
    void add(HttpMethod method, const QString& pattern, RouteHandler handler, RouteOptions options = {});
    RouteMatch match(HttpMethod method, const QString& path) const;
    QList<const Route*> routes() const;

private:
    std::vector<std::unique_ptr<Route>> m_routes;
    QHash<QString, QList<const Route*>> m_exact;
    QList<const Route*> m_patterned;
};

} // namespace authshield::server
