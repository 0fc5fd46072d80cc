#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QByteArray>

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

// The append-only, hash-chained audit log: hash = SHA-256(prev_hash ‖ canonical event), so editing, deleting
// or reordering any row breaks every later link. Appends are serialised across threads and processes.
class AuditLog
{
public:
    AuditLog(const Database& database, const Clock& clock);

    // Appends one event. Inside an open Transaction on this thread it joins it, so the event is stored exactly
    // when the change it records is; otherwise it runs its own write transaction.
    Result<qint64> record(AuditEvent event) const;
    Result<AuditVerification> verify() const;

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
