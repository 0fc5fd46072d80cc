#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace authshield::server {

class Database;

struct AuditFilter
{
    QString type; // exact type, or a prefix when it ends with '*' ("admin.*")
    QString actorId;
    QString subjectId;
    QString ip;
    std::optional<QDateTime> from; // inclusive
    std::optional<QDateTime> to; // exclusive
};

// One row as stored (details as its JSON text), for the export's fast path.
struct AuditRow
{
    qint64 seq = 0;
    qint64 timeMs = 0;
    QString type, actorId, subjectId, ip, userAgent, requestId, outcome, details, hash;
};

struct AuditPage
{
    QList<StoredAuditEvent> items; // newest first
    QString nextCursor;
};

// Reading the audit log for the admin API: filtered, newest first, keyset-paged by seq (an append-only log
// pages stably however fast it grows).
class AuditQuery
{
public:
    explicit AuditQuery(const Database& database);

    Result<AuditPage> page(const AuditFilter& filter, int limit, const QString& cursor) const;
    // Oldest first, rows with seq > afterSeq, at most limit (the export's batches).
    Result<QList<StoredAuditEvent>> batch(const AuditFilter& filter, qint64 afterSeq, int limit) const;
    // The same rows without parsing details (the export writes the stored text as is).
    Result<QList<AuditRow>> rawBatch(const AuditFilter& filter, qint64 afterSeq, int limit) const;

    // Reads the filter from query parameters (type, actor, subject, ip, from, to as ISO-8601);
    // Error{ValidationFailed} naming the bad parameter.
    static Result<AuditFilter> parseFilter(const QString& type, const QString& actor, const QString& subject,
                                           const QString& ip, const QString& from, const QString& to);

private:
    Result<QList<AuditRow>> select(const AuditFilter& filter, const QString& seqCondition, qint64 seqBound,
                                   bool newestFirst, int limit) const;

    const Database& m_database;
};

// A streamed export of the filtered audit log: each call produces the next chunk of CSV or NDJSON, reading
// one batch of rows, so memory stays constant however many events match. Not thread-safe; one per response.
class AuditExport
{
public:
    enum class Format { Csv, Ndjson };
    static constexpr int kBatchSize = 5000;

    AuditExport(const AuditQuery& query, AuditFilter filter, Format format);

    // The next chunk; empty when the export is complete.
    Result<QByteArray> next();
    bool atEnd() const { return m_done; }

    static QByteArray csvHeader();
    static void appendCsvRow(QByteArray& out, const AuditRow& row);
    static void appendNdjsonRow(QByteArray& out, const AuditRow& row);
    static QJsonObject eventJson(const StoredAuditEvent& event);

private:
    const AuditQuery& m_query;
    const AuditFilter m_filter;
    const Format m_format;
    qint64 m_afterSeq = 0;
    bool m_headerSent = false;
    bool m_done = false;
};

} // namespace authshield::server
