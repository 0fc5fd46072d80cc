#include "server/mail/OutboxWorker.h"

#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/crypto/CryptoRuntime.h"
#include "server/mail/MailOutbox.h"
#include "server/mail/MailTransport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHostInfo>
#include <QThread>
#include <QTimer>
#include <QUuid>

namespace authshield::server {

namespace {
constexpr int kBatchSize = 20;
constexpr int kMaxBatchesPerPoll = 50; // bounded: a huge backlog yields to wake-ups and stop() between polls
constexpr std::chrono::minutes kStuckAfter { 2 }; // one poll this long means delivery hangs
const std::chrono::milliseconds kMaxBackoff = std::chrono::hours(1);

QString makeWorkerId()
{
    return QHostInfo::localHostName() + u':' + QString::number(QCoreApplication::applicationPid()) + u':'
        + QUuid::createUuid().toString(QUuid::Id128).left(8);
}
} // namespace

OutboxWorker::OutboxWorker(MailOutbox& outbox, MailTransport& transport, const Clock& clock, const MailConfig& config,
                           QObject* parent)
    : QObject(parent)
    , m_outbox(outbox)
    , m_transport(transport)
    , m_clock(clock)
    , m_config(config)
    , m_workerId(makeWorkerId())
{
}

OutboxWorker::~OutboxWorker()
{
    stop();
}

std::chrono::milliseconds OutboxWorker::backoff(std::chrono::seconds base, int attempts)
{
    std::chrono::milliseconds delay = base;
    for (int i = 1; i < attempts && delay < kMaxBackoff; ++i)
        delay *= 2;
    return std::min(delay, kMaxBackoff);
}

void OutboxWorker::start()
{
    if (m_thread)
        return;
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("mail-outbox"));
    // Objects living in the worker thread have no parent here (a parent must live in the same thread); they
    // are deleted on the thread when it finishes.
    m_threadContext = new QObject(nullptr);
    m_timer = new QTimer(m_threadContext);
    m_timer->setInterval(m_config.pollInterval);
    m_threadContext->moveToThread(m_thread);
    connect(m_timer, &QTimer::timeout, m_threadContext, [this] { poll(); });
    connect(m_thread, &QThread::started, m_threadContext, [this] {
        m_timer->start();
        poll(); // deliver what a previous run left behind without waiting a whole interval
    });
    // finished is emitted on the worker thread itself, so the connection is closed by the thread that owns it.
    connect(
        m_thread, &QThread::finished, m_threadContext,
        [this] {
            m_outbox.releaseThreadConnection();
            CryptoRuntime::releaseThreadState(); // SMTP over TLS ran here
        },
        Qt::DirectConnection);
    connect(m_thread, &QThread::finished, m_threadContext, &QObject::deleteLater);
    m_running = true;
    m_outbox.setWakeHandler([this] { wake(); });
    m_thread->start();
}

void OutboxWorker::stop()
{
    if (!m_thread)
        return;
    m_outbox.setWakeHandler({});
    m_running = false;
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_timer = nullptr;
    m_threadContext = nullptr;
}

void OutboxWorker::wake()
{
    if (!m_running || m_wakePending.exchange(true))
        return; // one queued poll is enough however many mails were enqueued meanwhile
    QMetaObject::invokeMethod(
        m_threadContext, [this] { poll(); }, Qt::QueuedConnection);
}

bool OutboxWorker::isAlive() const
{
    if (!m_running || !m_thread || !m_thread->isRunning())
        return false;
    const qint64 busySince = m_busySinceMs.load();
    return busySince == 0
        || QDateTime::currentMSecsSinceEpoch() - busySince < std::chrono::milliseconds(kStuckAfter).count();
}

void OutboxWorker::poll()
{
    m_wakePending = false;
    if (!m_running)
        return;
    pollOnce();
}

int OutboxWorker::pollOnce()
{
    m_busySinceMs = QDateTime::currentMSecsSinceEpoch();
    int handled = 0;
    for (int batch = 0; batch < kMaxBatchesPerPoll; ++batch) {
        Result<QList<MailOutbox::Claimed>> claimed = m_outbox.claimDue(m_workerId, kBatchSize, kLease);
        if (!claimed) {
            Log::warning(QStringLiteral("mail"), QStringLiteral("cannot read the outbox"),
                         { { QStringLiteral("error"), claimed.error().message } });
            break;
        }
        for (const MailOutbox::Claimed& row : *claimed) {
            const Result<void> delivered = m_transport.deliver(row.mail);
            Result<bool> marked = true;
            if (delivered) {
                marked = m_outbox.markSent(row.mail.id, m_workerId);
                Log::info(QStringLiteral("mail"), QStringLiteral("mail delivered"),
                          { { QStringLiteral("id"), row.mail.id },
                            { QStringLiteral("template"), row.mail.message.templateName },
                            { QStringLiteral("transport"), m_transport.name() } });
            } else if (MailTransport::isTemporary(delivered.error()) && row.attempts < m_config.maxAttempts) {
                if (m_failureHook)
                    m_failureHook(false);
                const auto delay = backoff(m_config.retryBase, row.attempts);
                marked = m_outbox.markRetry(row.mail.id, m_workerId, delay, delivered.error().message);
                Log::warning(QStringLiteral("mail"), QStringLiteral("mail delivery failed, will retry"),
                             { { QStringLiteral("id"), row.mail.id },
                               { QStringLiteral("attempts"), row.attempts },
                               { QStringLiteral("retry_in_ms"), static_cast<qint64>(delay.count()) },
                               { QStringLiteral("error"), delivered.error().message } });
            } else {
                if (m_failureHook)
                    m_failureHook(true);
                marked = m_outbox.markFailed(row.mail.id, m_workerId, delivered.error().message);
                Log::error(QStringLiteral("mail"), QStringLiteral("mail delivery failed for good"),
                           { { QStringLiteral("id"), row.mail.id },
                             { QStringLiteral("attempts"), row.attempts },
                             { QStringLiteral("error"), delivered.error().message } });
            }
            if (!marked)
                Log::warning(
                    QStringLiteral("mail"), QStringLiteral("cannot record the delivery outcome"),
                    { { QStringLiteral("id"), row.mail.id }, { QStringLiteral("error"), marked.error().message } });
            else if (!*marked)
                Log::warning(QStringLiteral("mail"), QStringLiteral("lease lost; another worker took the mail over"),
                             { { QStringLiteral("id"), row.mail.id } });
            ++handled;
        }
        if (claimed->size() < kBatchSize || !m_running.load())
            break;
    }
    m_busySinceMs = 0;
    return handled;
}

} // namespace authshield::server
