#include "server/core/Log.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMutex>

#include <atomic>
#include <cstdio>

namespace authshield::server {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<Log::Sink> g_sink{nullptr};
QMutex g_writeMutex;

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

void Log::write(LogLevel level, const QString& component, const QString& message, const QJsonObject& fields)
{
    if (static_cast<int>(level) < g_level.load())
        return;
    QJsonObject line;
    line.insert(QStringLiteral("ts"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    line.insert(QStringLiteral("level"), levelName(level));
    line.insert(QStringLiteral("component"), component);
    line.insert(QStringLiteral("msg"), message);
    for (auto it = fields.begin(); it != fields.end(); ++it)
        line.insert(it.key(), it.value());
    QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact);
    bytes.append('\n');

    QMutexLocker locker(&g_writeMutex);
    if (Sink sink = g_sink.load()) {
        sink(bytes);
        return;
    }
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fflush(stderr);
}

} // namespace authshield::server
