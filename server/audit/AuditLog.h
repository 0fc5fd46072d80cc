#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QDateTime>

#include <optional>

namespace authshield::server {

class Clock;
class Database;

struct AuditVerification
{
    bool ok = true;
    qint64 checked = 0;
    std::optional<qint64> firstBrokenSeq;
};

struct AuditPruneReport
{
    qint64 deleted = 0;
    qint64 fromSeq = 0;
    qint64 toSeq = 0;
    qint64 prunedEventSeq = 0; // the audit.pruned event recording the range; 0 when nothing was deleted
};

// The append-only, hash-chained audit log: hash = SHA-256(prev_hash ‖ canonical event), so editing, deleting
// or reordering any row breaks every later link. Appends are serialised across threads and processes.
class AuditLog
{
public:
    AuditLog(const Database& database, const Clock& clock);

    // Appends one event. Inside an open Transaction on this thread it joins it, so the event is stored exactly
    // when the change it records is; otherwise it runs its own write transaction.
    Result<qint64> record(AuditEvent event) const;
    // Walks the whole chain. The first remaining row must continue from the genesis hash, or — after a
    // retention prune — from the anchor recorded by the latest audit.pruned event, so removing rows at the head
    // is detected too.
    Result<AuditVerification> verify() const;

    // Retention: deletes the oldest events (a prefix of the chain; the newest event is always kept) whose time
    // is before cutoff, and appends an audit.pruned event with the range and the hash of the last deleted row
    // (the anchor the first remaining row links to), all in one transaction. Needs the database's prune window
    // (migration 0002), so nothing else can delete or change audit rows.
    Result<AuditPruneReport> prune(const QDateTime& cutoff) const;

    static QString genesisHash();
    // The exact bytes hashed for a row: compact JSON with sorted keys.
    static QByteArray canonical(const StoredAuditEvent& stored);
    static QString chainHash(const QString& prevHash, const StoredAuditEvent& stored);

private:
    Result<qint64> append(AuditEvent& event) const;

    const Database& m_database;
    const Clock& m_clock;
};

} // namespace authshield::server
