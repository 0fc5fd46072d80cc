#include "server/http/Router.h"

namespace authshield::server {

namespace {
const QString kGlobalIpPolicy = QStringLiteral("global_ip");

bool isPlaceholder(const QString& segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) && segment.endsWith(QLatin1Char('}'));
}

bool methodMatches(HttpMethod routeMethod, HttpMethod requestMethod)
{
    return routeMethod == requestMethod || (routeMethod == HttpMethod::Get && requestMethod == HttpMethod::Head);
}
} // namespace

void Router::add(HttpMethod method, const QString& pattern, RouteHandler handler, RouteOptions options)
{
    auto route = std::make_unique<Route>();
    route->method = method;
    route->pattern = pattern;
    route->segments = pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    route->options = std::move(options);
    // The global per-IP ceiling covers the whole API by declaration, so no route can forget it.
    if (pattern.startsWith(QLatin1String("/api/")) && !route->options.rateLimitPolicies.contains(kGlobalIpPolicy))
        route->options.rateLimitPolicies.append(kGlobalIpPolicy);
    route->handler = std::move(handler);
    for (const QString& segment : std::as_const(route->segments))
        route->hasPlaceholders = route->hasPlaceholders || isPlaceholder(segment);
    if (route->hasPlaceholders)
        m_patterned.append(route.get());
    else
        m_exact[pattern].append(route.get());
    m_routes.push_back(std::move(route));
}

RouteMatch Router::match(HttpMethod method, const QString& path) const
{
    RouteMatch result;
    auto consider = [&](const Route* route, QHash<QString, QString> params) {
        if (methodMatches(route->method, method)) {
            if (!result.route) {
                result.route = route;
                result.params = std::move(params);
            }
        } else {
            result.allowedMethods.append(httpMethodName(route->method));
        }
    };

    const auto exact = m_exact.constFind(path);
    if (exact != m_exact.constEnd()) {
        for (const Route* route : *exact)
            consider(route, {});
        if (result.route)
            return result;
    }

    const QStringList segments = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const Route* route : m_patterned) {
        if (route->segments.size() != segments.size())
            continue;
        QHash<QString, QString> params;
        bool matches = true;
        for (qsizetype i = 0; i < segments.size() && matches; ++i) {
            const QString& expected = route->segments.at(i);
            if (isPlaceholder(expected))
                params.insert(expected.mid(1, expected.size() - 2), segments.at(i));
            else
                matches = expected == segments.at(i);
        }
        if (matches)
            consider(route, std::move(params));
    }
    if (result.route)
        result.allowedMethods.clear();
    else
        result.allowedMethods.removeDuplicates();
    return result;
}

QList<const Route*> Router::routes() const
{
    QList<const Route*> all;
    for (const auto& route : m_routes)
        all.append(route.get());
    return all;
}

} // namespace authshield::server
