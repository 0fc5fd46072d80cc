#pragma once

#include <QJsonObject>
#include <QString>

namespace authshield::server {

enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

// JSON-lines logging to stderr: {"ts":…,"level":…,"component":…,"msg":…, ...fields}.
// Process-wide by nature (like stderr itself); Qt's own qDebug/qWarning output is routed here too.
// Callers must never pass passwords, tokens or secrets in fields: log identifiers, not credentials.
class Log
{
public:
    static void setLevel(LogLevel level);
    static LogLevel level();
    static bool parseLevel(const QString& text, LogLevel* level);
    static void installQtMessageHandler();

    static void write(LogLevel level, const QString& component, const QString& message,
                      const QJsonObject& fields = {});
    static void debug(const QString& c, const QString& m, const QJsonObject& f = {}) { write(LogLevel::Debug, c, m, f); }
    static void info(const QString& c, const QString& m, const QJsonObject& f = {}) { write(LogLevel::Info, c, m, f); }
    static void warning(const QString& c, const QString& m, const QJsonObject& f = {}) { write(LogLevel::Warning, c, m, f); }
    static void error(const QString& c, const QString& m, const QJsonObject& f = {}) { write(LogLevel::Error, c, m, f); }

    // For tests: capture lines instead of (as well as) writing them to stderr.
    using Sink = void (*)(const QByteArray& line);
    static void setSink(Sink sink);
};

} // namespace authshield::server
