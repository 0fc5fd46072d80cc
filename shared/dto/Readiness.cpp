#include "shared/dto/Readiness.h"

#include <QJsonValue>

namespace authshield {

namespace {

Error invalid(const QString& path, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed,
                              QStringLiteral("The readiness answer is not understood: %1 %2.").arg(path, reason));
    error.fields.insert(path, reason);
    return error;
}

} // namespace

Result<ReadinessReport> ReadinessReport::fromJson(const QJsonObject& json)
{
    ReadinessReport report;
    const QJsonValue status = json.value(QStringLiteral("status"));
    if (!status.isString())
        return invalid(QStringLiteral("status"), status.isUndefined() ? QStringLiteral("is missing")
                                                                      : QStringLiteral("is not a string"));
    if (status.toString() == QStringLiteral("ready"))
        report.ready = true;
    else if (status.toString() != QStringLiteral("unavailable"))
        return invalid(QStringLiteral("status"), QStringLiteral("must be \"ready\" or \"unavailable\""));

    const QJsonValue checks = json.value(QStringLiteral("checks"));
    if (!checks.isObject())
        return invalid(QStringLiteral("checks"), checks.isUndefined() ? QStringLiteral("is missing")
                                                                      : QStringLiteral("is not an object"));
    const QJsonObject checkObject = checks.toObject();
    for (auto it = checkObject.begin(); it != checkObject.end(); ++it) {
        const QString path = QStringLiteral("checks.") + it.key();
        if (!it.value().isObject())
            return invalid(path, QStringLiteral("is not an object"));
        const QJsonObject entry = it.value().toObject();
        DependencyReadiness dependency;
        dependency.name = it.key();

        const QJsonValue up = entry.value(QStringLiteral("status"));
        if (!up.isString())
            return invalid(path + QStringLiteral(".status"), up.isUndefined() ? QStringLiteral("is missing")
                                                                              : QStringLiteral("is not a string"));
        if (up.toString() == QStringLiteral("up"))
            dependency.up = true;
        else if (up.toString() != QStringLiteral("down"))
            return invalid(path + QStringLiteral(".status"), QStringLiteral("must be \"up\" or \"down\""));

        const QJsonValue latency = entry.value(QStringLiteral("latency_ms"));
        if (!latency.isDouble())
            return invalid(path + QStringLiteral(".latency_ms"), latency.isUndefined() ? QStringLiteral("is missing")
                                                                                       : QStringLiteral("is not a number"));
        if (latency.toDouble() < 0)
            return invalid(path + QStringLiteral(".latency_ms"), QStringLiteral("is negative"));
        dependency.latencyMs = latency.toDouble();

        const QJsonValue backend = entry.value(QStringLiteral("backend"));
        if (!backend.isString())
            return invalid(path + QStringLiteral(".backend"), backend.isUndefined() ? QStringLiteral("is missing")
                                                                                    : QStringLiteral("is not a string"));
        dependency.backend = backend.toString();

        const QJsonValue detail = entry.value(QStringLiteral("detail"));
        if (!detail.isUndefined() && !detail.isString())
            return invalid(path + QStringLiteral(".detail"), QStringLiteral("is not a string"));
        dependency.detail = detail.toString();

        report.dependencies.append(dependency);
    }
    return report;
}

QJsonObject ReadinessReport::toJson() const
{
    QJsonObject checks;
    for (const DependencyReadiness& dependency : dependencies) {
        QJsonObject entry{{QStringLiteral("status"), dependency.up ? QStringLiteral("up") : QStringLiteral("down")},
                          {QStringLiteral("latency_ms"), dependency.latencyMs},
                          {QStringLiteral("backend"), dependency.backend}};
        if (!dependency.detail.isEmpty())
            entry.insert(QStringLiteral("detail"), dependency.detail);
        checks.insert(dependency.name, entry);
    }
    return QJsonObject{{QStringLiteral("status"), ready ? QStringLiteral("ready") : QStringLiteral("unavailable")},
                       {QStringLiteral("checks"), checks}};
}

const DependencyReadiness* ReadinessReport::dependency(const QString& name) const
{
    for (const DependencyReadiness& dependency : dependencies) {
        if (dependency.name == name)
            return &dependency;
    }
    return nullptr;
}

} // namespace authshield
