#include "server/core/Log.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace authshield::server {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<Log::Sink> g_sink{nullptr};
QMutex g_writeMutex;

// Lines are appended to a buffer and written by one writer thread every kFlushInterval (or sooner when the
// buffer fills), so a request thread never waits in write(2). Warnings and errors are written at once (with
// everything before them, keeping the order), and the buffer is drained when the process exits normally.
class StderrWriter
{
public:
    static constexpr auto kFlushInterval = std::chrono::milliseconds(20);
    static constexpr qsizetype kFlushSize = 64 * 1024;
    static constexpr qsizetype kMaxPending = 8 * 1024 * 1024; // past this a caller writes itself (back-pressure)

    // Called at exit: later lines (static destructors) are written directly.
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
        std::lock_guard lock(m_mutex);
        writeLocked(m_pending);
    }

    void append(const QByteArray& line, bool urgent)
    {
        std::unique_lock lock(m_mutex);
        m_pending.append(line);
        if (urgent || m_stopping || m_pending.size() >= kMaxPending) {
            writeLocked(m_pending);
            return;
        }
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
        if (m_pending.size() >= kFlushSize) {
            lock.unlock();
            m_wake.notify_one();
        }
    }

private:
    void run()
    {
        QByteArray batch;
        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
            m_wake.wait_for(lock, kFlushInterval, [this] { return m_stopping || m_pending.size() >= kFlushSize; });
            if (m_pending.isEmpty())
                continue;
            std::swap(batch, m_pending);
            {
                // Written outside m_mutex; m_writeOrder keeps urgent writes from overtaking this batch. It is taken
                // under m_mutex (as append's urgent path does) and released BEFORE m_mutex is taken again: holding
                // it while waiting for m_mutex deadlocked against an urgent append (m_mutex → m_writeOrder).
                std::lock_guard order(m_writeOrder);
                lock.unlock();
                write(batch);
            }
            batch.resize(0);
            lock.lock();
        }
    }

    void writeLocked(QByteArray& bytes)
    {
        std::lock_guard order(m_writeOrder);
        write(bytes);
        bytes.resize(0);
    }

    static void write(const QByteArray& bytes)
    {
        if (bytes.isEmpty())
            return;
        std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
        std::fflush(stderr);
    }

    std::mutex m_mutex;
    std::mutex m_writeOrder;
    std::condition_variable m_wake;
    QByteArray m_pending;
    bool m_stopping = false;
    std::thread m_thread;
};

StderrWriter& stderrWriter()
{
    // Never destroyed, so a line logged by a static destructor after the exit handler still has a writer.
    static StderrWriter* const writer = [] {
        auto* created = new StderrWriter;
        std::atexit([] { stderrWriter().stop(); });
        return created;
    }();
    return *writer;
}

// QJsonDocument's compact form of a string, for the common case of printable ASCII without quotes or
// backslashes; anything else goes through Qt so the output stays byte-for-byte what QJsonDocument writes.
void appendJsonString(QByteArray& out, QStringView text)
{
    bool plain = true;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u >= 0x7f || u == u'"' || u == u'\\') {
            plain = false;
            break;
        }
    }
    if (plain) {
        out.append('"');
        const qsizetype start = out.size();
        out.resize(start + text.size());
        char* dst = out.data() + start;
        for (const QChar c : text)
            *dst++ = static_cast<char>(c.unicode());
        out.append('"');
        return;
    }
    const QByteArray array = QJsonDocument(QJsonArray { text.toString() }).toJson(QJsonDocument::Compact);
    out.append(array.constData() + 1, array.size() - 2);
}

void appendJsonValue(QByteArray& out, const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::String:
        appendJsonString(out, value.toString());
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Null:
        out.append("null");
        return;
    default: {
        const QByteArray array = QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact);
        out.append(array.constData() + 1, array.size() - 2);
        return;
    }
    }
}

QString levelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug: return QStringLiteral("debug");
    case LogLevel::Info: return QStringLiteral("info");
    case LogLevel::Warning: return QStringLiteral("warning");
    case LogLevel::Error: return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

void qtMessageHandler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    LogLevel level = LogLevel::Info;
    switch (type) {
    case QtDebugMsg: level = LogLevel::Debug; break;
    case QtInfoMsg: level = LogLevel::Info; break;
    case QtWarningMsg: level = LogLevel::Warning; break;
    case QtCriticalMsg:
    case QtFatalMsg: level = LogLevel::Error; break;
    }
    const QString component = context.category ? QString::fromLatin1(context.category) : QStringLiteral("qt");
    Log::write(level, component, message);
}
} // namespace

void Log::setLevel(LogLevel level)
{
    g_level.store(static_cast<int>(level));
}

LogLevel Log::level()
{
    return static_cast<LogLevel>(g_level.load());
}

bool Log::parseLevel(const QString& text, LogLevel* level)
{
    for (LogLevel candidate : {LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error}) {
        if (text.compare(levelName(candidate), Qt::CaseInsensitive) == 0) {
            *level = candidate;
            return true;
        }
    }
    return false;
}

void Log::installQtMessageHandler()
{
    qInstallMessageHandler(qtMessageHandler);
}

void Log::setSink(Sink sink)
{
    g_sink.store(sink);
}

namespace {

// Qt::ISODateWithMs of now in UTC ("2026-11-23T17:55:00.123Z"); the part up to the seconds is formatted once per
// second per thread, because QDateTime::toString is the dearest step of a log line.
void appendTimestamp(QByteArray& out)
{
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray prefix;
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    const qint64 second = ms / 1000;
    if (second != cachedSecond || ms < 0) {
        const QByteArray full
            = QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
        prefix = full.left(full.size() - 4); // drop "000Z"
        cachedSecond = second;
    }
    const int millis = static_cast<int>(ms % 1000);
    out.append('"');
    out.append(prefix);
    const char digits[] = { char('0' + millis / 100), char('0' + millis / 10 % 10), char('0' + millis % 10), 'Z' };
    out.append(digits, 4);
    out.append('"');
}

} // namespace

void Log::write(LogLevel level, const QString& component, const QString& message, const QJsonObject& fields)
{
    if (static_cast<int>(level) < g_level.load())
        return;
    // The same line QJsonDocument would write for {ts, level, component, msg, ...fields} (keys sorted, a field
    // replacing a base key of the same name), built straight into one reusable buffer per thread.
    struct Entry
    {
        QString key;
        const QString* text = nullptr; // base entries: text, or the timestamp when null and value is undefined
        QJsonValue value;
    };
    const QString levelText = levelName(level);
    thread_local std::vector<Entry> entries;
    entries.clear();
    const std::pair<QStringView, const QString*> base[]
        = { { u"component", &component }, { u"level", &levelText }, { u"msg", &message }, { u"ts", nullptr } };
    for (const auto& [key, text] : base) {
        if (!fields.contains(key))
            entries.push_back(Entry { key.toString(), text, QJsonValue(QJsonValue::Undefined) });
    }
    for (auto it = fields.begin(); it != fields.end(); ++it)
        entries.push_back(Entry { it.key(), nullptr, it.value() });
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });

    thread_local QByteArray bytes;
    if (bytes.capacity() > 64 * 1024)
        bytes = QByteArray(); // one huge line must not pin its buffer for the thread's lifetime
    bytes.resize(0);
    bytes.append('{');
    for (const Entry& entry : entries) {
        if (bytes.size() > 1)
            bytes.append(',');
        appendJsonString(bytes, entry.key);
        bytes.append(':');
        if (entry.text)
            appendJsonString(bytes, *entry.text);
        else if (entry.value.isUndefined())
            appendTimestamp(bytes);
        else
            appendJsonValue(bytes, entry.value);
    }
    bytes.append("}\n");

    if (Sink sink = g_sink.load()) {
        QMutexLocker locker(&g_writeMutex);
        sink(bytes);
        return;
    }
    stderrWriter().append(bytes, level >= LogLevel::Warning);
}

} // namespace authshield::server
