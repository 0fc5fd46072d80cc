#pragma once

#include "server/core/Config.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <chrono>

class QThread;
class QTimer;

namespace authshield::server {

class Clock;
class MailOutbox;
class MailTransport;

// Delivers the outbox on its own thread (with its own database connection): polls for due mail every
// poll interval and whenever woken, claims a batch, hands each mail to the transport, then marks it sent,
// schedules a retry with exponential backoff, or marks it failed after max attempts.
class OutboxWorker final : public QObject
{
    Q_OBJECT

public:
    OutboxWorker(MailOutbox& outbox, MailTransport& transport, const Clock& clock, const MailConfig& config,
                 QObject* parent = nullptr);
    ~OutboxWorker() override;

    void start();
    // Finishes the mail in hand, then stops the thread. Unclaimed mail stays pending for the next start.
    void stop();
    void wake(); // thread-safe
    bool isAlive() const;
    QString workerId() const { return m_workerId; }
    // Called on the worker thread after every failed delivery attempt (metrics), with givenUp true when the
    // mail is marked failed for good rather than retried; set before start().
    void setFailureHook(std::function<void(bool givenUp)> hook) { m_failureHook = std::move(hook); }

    // One poll on the calling thread (tests drive the worker without a thread); returns mails handled.
    int pollOnce();

    static std::chrono::milliseconds backoff(std::chrono::seconds base, int attempts);
    // How long a claim is held before another worker may take the mail over.
    static constexpr std::chrono::milliseconds kLease { std::chrono::minutes(5) };

private:
    void poll();

    MailOutbox& m_outbox;
    MailTransport& m_transport;
    const Clock& m_clock;
    const MailConfig m_config;
    const QString m_workerId;
    std::function<void(bool givenUp)> m_failureHook;
    QThread* m_thread = nullptr;
    QTimer* m_timer = nullptr; // lives in m_thread
    QObject* m_threadContext = nullptr; // lives in m_thread; wake-ups are queued to it
    std::atomic<bool> m_wakePending { false };
    std::atomic<bool> m_running { false };
    std::atomic<qint64> m_busySinceMs { 0 }; // 0 = idle
};

} // namespace authshield::server
