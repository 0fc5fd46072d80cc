#include "server/core/Metrics.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace authshield::server {

namespace {
QByteArray number(double value)
{
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    if (std::isnan(value))
        return QByteArrayLiteral("NaN");
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return QByteArray::number(static_cast<qint64>(value));
    return QString::number(value, 'g', QLocale::FloatingPointShortest).toLatin1();
}

QByteArray escapeLabel(const QString& value)
{
    QByteArray out;
    for (const char c : value.toUtf8()) {
        if (c == '\\')
            out.append("\\\\");
        else if (c == '"')
            out.append("\\\"");
        else if (c == '\n')
            out.append("\\n");
        else
            out.append(c);
    }
    return out;
}

QByteArray escapeHelp(const QString& help)
{
    return help.toUtf8().replace('\\', "\\\\").replace('\n', "\\n");
}

QByteArray labelSet(const QStringList& names, const QStringList& values, const QByteArray& extraName = {},
                    const QByteArray& extraValue = {})
{
    QByteArray out;
    for (qsizetype i = 0; i < names.size(); ++i) {
        if (!out.isEmpty())
            out.append(',');
        out.append(names.at(i).toUtf8()).append("=\"").append(escapeLabel(values.value(i))).append('"');
    }
    if (!extraName.isEmpty()) {
        if (!out.isEmpty())
            out.append(',');
        out.append(extraName).append("=\"").append(extraValue).append('"');
    }
    return out.isEmpty() ? out : '{' + out + '}';
}

void header(QByteArray& out, const QString& name, const QString& help, const char* type)
{
    out.append("# HELP ").append(name.toUtf8()).append(' ').append(escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name.toUtf8()).append(' ').append(type).append('\n');
}

template<typename Family> void renderSimple(QByteArray& out, const Family& family, const char* type)
{
    header(out, family.name(), family.help(), type);
    for (const auto& [values, child] : family.children())
        out.append(family.name().toUtf8())
            .append(labelSet(family.labelNames(), values))
            .append(' ')
            .append(number(child->value()))
            .append('\n');
}
} // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : m_bounds(bounds)
    , m_buckets(new std::atomic<quint64>[bounds.size() + 1])
{
    for (size_t i = 0; i <= bounds.size(); ++i)
        m_buckets[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value)
{
    size_t i = 0;
    while (i < m_bounds.size() && value > m_bounds[i])
        ++i;
    m_buckets[i].fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(value, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
}

std::vector<double> MetricsRegistry::latencyBuckets()
{
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

QString MetricsRegistry::Entry::name() const
{
    switch (type) {
    case MetricType::Counter: return counter->name();
    case MetricType::Gauge: return gauge->name();
    case MetricType::Histogram: return histogram->name();
    }
    return {};
}

CounterFamily& MetricsRegistry::counter(const QString& name, const QString& help, const QStringList& labelNames)
{
    QMutexLocker locker(&m_mutex);
    for (const auto& entry : m_entries) {
        if (entry->type == MetricType::Counter && entry->counter->name() == name)
            return *entry->counter;
    }
    auto entry = std::make_unique<Entry>();
    entry->type = MetricType::Counter;
    entry->counter = std::make_unique<CounterFamily>(name, help, labelNames, [] { return std::make_unique<Counter>(); });
    m_entries.push_back(std::move(entry));
    return *m_entries.back()->counter;
}

GaugeFamily& MetricsRegistry::gauge(const QString& name, const QString& help, const QStringList& labelNames)
{
    QMutexLocker locker(&m_mutex);
    for (const auto& entry : m_entries) {
        if (entry->type == MetricType::Gauge && entry->gauge->name() == name)
            return *entry->gauge;
    }
    auto entry = std::make_unique<Entry>();
    entry->type = MetricType::Gauge;
    entry->gauge = std::make_unique<GaugeFamily>(name, help, labelNames, [] { return std::make_unique<Gauge>(); });
    m_entries.push_back(std::move(entry));
    return *m_entries.back()->gauge;
}

HistogramFamily& MetricsRegistry::histogram(const QString& name, const QString& help, const QStringList& labelNames,
                                            std::vector<double> bounds)
{
    QMutexLocker locker(&m_mutex);
    for (const auto& entry : m_entries) {
        if (entry->type == MetricType::Histogram && entry->histogram->name() == name)
            return *entry->histogram;
    }
    auto entry = std::make_unique<Entry>();
    entry->type = MetricType::Histogram;
    entry->histogram = std::make_unique<HistogramFamily>(
        name, help, labelNames, [bounds] { return std::make_unique<Histogram>(bounds); });
    m_entries.push_back(std::move(entry));
    return *m_entries.back()->histogram;
}

void MetricsRegistry::addCollector(std::function<void()> collector)
{
    QMutexLocker locker(&m_mutex);
    m_collectors.push_back(std::move(collector));
}

QStringList MetricsRegistry::names() const
{
    QMutexLocker locker(&m_mutex);
    QStringList list;
    for (const auto& entry : m_entries)
        list.append(entry->name());
    return list;
}

QByteArray MetricsRegistry::render() const
{
    std::vector<std::function<void()>> collectors;
    {
        QMutexLocker locker(&m_mutex);
        collectors = m_collectors;
    }
    for (const auto& collect : collectors)
        collect();

    QMutexLocker locker(&m_mutex);
    QByteArray out;
    out.reserve(16 * 1024);
    for (const auto& entry : m_entries) {
        switch (entry->type) {
        case MetricType::Counter: renderSimple(out, *entry->counter, "counter"); break;
        case MetricType::Gauge: renderSimple(out, *entry->gauge, "gauge"); break;
        case MetricType::Histogram: {
            const HistogramFamily& family = *entry->histogram;
            header(out, family.name(), family.help(), "histogram");
            const QByteArray name = family.name().toUtf8();
            for (const auto& [values, child] : family.children()) {
                quint64 cumulative = 0;
                const std::vector<double>& bounds = child->bounds();
                for (size_t i = 0; i <= bounds.size(); ++i) {
                    cumulative += child->bucketCount(i);
                    const QByteArray le = i < bounds.size() ? number(bounds[i]) : QByteArrayLiteral("+Inf");
                    out.append(name + "_bucket")
                        .append(labelSet(family.labelNames(), values, "le", le))
                        .append(' ')
                        .append(QByteArray::number(cumulative))
                        .append('\n');
                }
                const QByteArray labels = labelSet(family.labelNames(), values);
                out.append(name + "_sum").append(labels).append(' ').append(number(child->sum())).append('\n');
                out.append(name + "_count").append(labels).append(' ').append(QByteArray::number(child->count()));
                out.append('\n');
            }
            break;
        }
        }
    }
    return out;
}

} // namespace authshield::server
