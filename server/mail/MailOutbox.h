#pragma once

#include "server/mail/MailTransport.h"
#include "shared/Result.h"

#include <QList>
#include <QString>

#include <chrono>
#include <functional>
#include <mutex>

namespace authshield::server {

class Clock;
class Database;

struct OutboxDepth
{
    qint64 pending = 0; // waiting or being sent
    qint64 failed = 0; // gave up
};

// The durable mail queue (table mail_outbox). enqueue() joins the caller's open Transaction, so a change and
// the mail announcing it commit together or not at all; the OutboxWorker delivers afterwards.
//
// Claiming is safe across processes sharing a database: PostgreSQL locks the claimed rows with
// FOR UPDATE SKIP LOCKED, SQLite's BEGIN IMMEDIATE serialises claimers. A row stuck in 'sending' past its
// lease (the claimer crashed) is claimed again.
class MailOutbox
{
public:
    MailOutbox(const Database& database, const Clock& clock);

    Result<QString> enqueue(const MailMessage& message) const; // → outbox id
    // Asks the worker to look now instead of at its next poll. Call after the transaction that enqueued
    // committed (a worker woken earlier could not see the row yet). Thread-safe; no-op without a worker.
    void wake() const;
    void setWakeHandler(std::function<void()> handler);

    struct Claimed
    {
        OutgoingMail mail;
        int attempts = 0; // including this one
    };
    Result<QList<Claimed>> claimDue(const QString& workerId, int limit, std::chrono::milliseconds lease) const;
    // The update is conditional on still holding the lease, so a worker that lost it cannot overwrite the
    // state another worker set; false when the lease was lost.
    Result<bool> markSent(const QString& id, const QString& workerId) const;
    Result<bool> markRetry(const QString& id, const QString& workerId, std::chrono::milliseconds delay,
                           const QString& error) const;
    Result<bool> markFailed(const QString& id, const QString& workerId, const QString& error) const;
    Result<OutboxDepth> depth() const;
    // The worker's thread calls this as it ends (see Database::releaseThreadConnection).
    void releaseThreadConnection() const;

private:
    Result<bool> finish(const QString& sql, const QString& id, const QString& workerId, qint64 nextAttemptAt,
                        const QString& error) const;

    const Database& m_database;
    const Clock& m_clock;
    mutable std::mutex m_wakeMutex;
    std::function<void()> m_wake;
};

} // namespace authshield::server
