#pragma once

#include <QList>
#include <QString>

#include <chrono>
#include <functional>

namespace authshield::server {

struct DependencyStatus
{
    bool up = false;
    std::chrono::microseconds latency{0};
    QString backend; // "postgresql", "sqlite", "redis", "in-process", …
    QString detail; // why it is down, or a warning; never a secret
};

// The dependencies /ready reports on. Checks may block (a database ping), so /ready runs them on the
// slow-work pool, never on an HTTP thread.
class Readiness
{
public:
    using Check = std::function<DependencyStatus()>;

    void add(const QString& name, Check check) { m_checks.append({name, std::move(check)}); }

    struct Report
    {
        bool ready = true;
        QList<QPair<QString, DependencyStatus>> dependencies;
    };
    Report check() const
    {
        Report report;
        for (const auto& [name, check] : m_checks) {
            DependencyStatus status = check();
            report.ready = report.ready && status.up;
            report.dependencies.append({name, std::move(status)});
        }
        return report;
    }

private:
    QList<QPair<QString, Check>> m_checks;
};

} // namespace authshield::server
