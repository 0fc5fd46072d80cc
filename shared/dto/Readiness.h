#pragma once

#include "shared/Result.h"

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

namespace authshield {

// One dependency in the /ready answer: {"status":"up"|"down","latency_ms":…,"backend":…,"detail"?:…}.
struct DependencyReadiness
{
    QString name; // "database", "redis", …
    bool up = false;
    double latencyMs = 0.0;
    QString backend; // "postgresql", "sqlite", "redis", "in-process", …
    QString detail; // why it is down, or a warning; empty when there is nothing to say
};

// The /ready answer, shared so the server writes and the console reads one definition:
// {"status":"ready"|"unavailable","checks":{"<name>":{…},…}}.
struct ReadinessReport
{
    bool ready = false;
    QList<DependencyReadiness> dependencies;

    // Checks every field; a malformed answer becomes a validation_failed Error naming the offending path.
    static Result<ReadinessReport> fromJson(const QJsonObject& json);
    QJsonObject toJson() const;

    const DependencyReadiness* dependency(const QString& name) const;
};

} // namespace authshield

Q_DECLARE_METATYPE(authshield::ReadinessReport)
