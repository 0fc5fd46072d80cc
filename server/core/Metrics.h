#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QReadWriteLock>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace authshield::server {

// A small Prometheus registry (text exposition format 0.0.4). The hot path is lock-cheap: a metric without
// labels is one atomic add; a labelled one is a shared (read) lock and a hash lookup, and the write lock is
// taken only the first time a label combination is seen. Children live as long as the registry, so callers
// may keep references to them.

class Counter
{
public:
    void increment(double by = 1.0) { m_value.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> m_value{0.0};
};

class Gauge
{
public:
    void set(double value) { m_value.store(value, std::memory_order_relaxed); }
    void add(double by) { m_value.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> m_value{0.0};
};

class Histogram
{
public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double value);

    const std::vector<double>& bounds() const { return m_bounds; }
    quint64 bucketCount(size_t i) const { return m_buckets[i].load(std::memory_order_relaxed); } // not cumulative
    quint64 count() const { return m_count.load(std::memory_order_relaxed); }
    double sum() const { return m_sum.load(std::memory_order_relaxed); }

private:
    const std::vector<double> m_bounds; // upper bounds, ascending; +Inf is implicit
    std::unique_ptr<std::atomic<quint64>[]> m_buckets;
    std::atomic<quint64> m_count{0};
    std::atomic<double> m_sum{0.0};
};

enum class MetricType { Counter, Gauge, Histogram };

template<typename Child> class MetricFamily
{
public:
    MetricFamily(QString name, QString help, QStringList labelNames, std::function<std::unique_ptr<Child>()> make)
        : m_name(std::move(name))
        , m_help(std::move(help))
        , m_labelNames(std::move(labelNames))
        , m_make(std::move(make))
    {
        if (m_labelNames.isEmpty())
            m_unlabelled = m_make();
    }

    const QString& name() const { return m_name; }
    const QString& help() const { return m_help; }
    const QStringList& labelNames() const { return m_labelNames; }

    // The child for these label values (in labelNames order), created on first use.
    Child& labels(const QStringList& values)
    {
        if (m_labelNames.isEmpty())
            return *m_unlabelled;
        {
            QReadLocker reader(&m_lock);
            if (const auto it = m_children.constFind(values); it != m_children.cend())
                return **it;
        }
        QWriteLocker writer(&m_lock);
        auto& slot = m_children[values];
        if (!slot)
            slot = m_make();
        return *slot;
    }
    Child& only() { return labels({}); }

    // Snapshot for rendering: (label values, child) in a stable order.
    QList<QPair<QStringList, const Child*>> children() const
    {
        QList<QPair<QStringList, const Child*>> list;
        if (m_labelNames.isEmpty()) {
            list.append({QStringList(), m_unlabelled.get()});
            return list;
        }
        QReadLocker reader(&m_lock);
        for (auto it = m_children.cbegin(); it != m_children.cend(); ++it)
            list.append({it.key(), it->get()});
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return list;
    }

private:
    const QString m_name;
    const QString m_help;
    const QStringList m_labelNames;
    const std::function<std::unique_ptr<Child>()> m_make;
    std::unique_ptr<Child> m_unlabelled;
    mutable QReadWriteLock m_lock;
    QHash<QStringList, std::shared_ptr<Child>> m_children;
};

// Named classes (not aliases) so other headers can forward-declare them.
class CounterFamily final : public MetricFamily<Counter>
{
public:
    using MetricFamily::MetricFamily;
};
class GaugeFamily final : public MetricFamily<Gauge>
{
public:
    using MetricFamily::MetricFamily;
};
class HistogramFamily final : public MetricFamily<Histogram>
{
public:
    using MetricFamily::MetricFamily;
};

class MetricsRegistry
{
public:
    // Families are registered at start-up (registering a name twice returns the first family).
    CounterFamily& counter(const QString& name, const QString& help, const QStringList& labelNames = {});
    GaugeFamily& gauge(const QString& name, const QString& help, const QStringList& labelNames = {});
    HistogramFamily& histogram(const QString& name, const QString& help, const QStringList& labelNames,
                               std::vector<double> bounds);

    // Runs before every render, e.g. to refresh gauges that are computed (sessions, outbox depth). Collectors
    // may block briefly (a COUNT query), so render() belongs on the slow-work pool.
    void addCollector(std::function<void()> collector);

    QByteArray render() const;
    QStringList names() const;

    static std::vector<double> latencyBuckets(); // seconds, 1 ms … 10 s

private:
    struct Entry
    {
        MetricType type;
        std::unique_ptr<CounterFamily> counter;
        std::unique_ptr<GaugeFamily> gauge;
        std::unique_ptr<HistogramFamily> histogram;
        QString name() const;
    };
    mutable QMutex m_mutex;
    std::vector<std::unique_ptr<Entry>> m_entries;
    std::vector<std::function<void()>> m_collectors;
};

} // namespace authshield::server
