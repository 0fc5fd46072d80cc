#include "server/http/GuardedSocket.h"

#include "server/core/Log.h"
#include "server/http/RequestPipeline.h"

#include <QScopeGuard>

#include <sys/socket.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace authshield::server {

namespace {
// Chunk framing ("1a\r\n" … "\r\n") adds bytes on top of the payload; allow for it generously.
qint64 chunkedAllowance(qint64 maxBody)
{
    return maxBody + maxBody / 4 + 1024;
}

// The head ends at the first empty line; like Qt's parser, accept bare LF line ends too.
qsizetype findEndOfHead(const QByteArray& data, qsizetype from)
{
    for (qsizetype i = qMax<qsizetype>(from, 1); i < data.size(); ++i) {
        if (data.at(i) != '\n')
            continue;
        if (data.at(i - 1) == '\n')
            return i + 1;
        if (i >= 2 && data.at(i - 1) == '\r' && data.at(i - 2) == '\n')
            return i + 1;
    }
    return -1;
}
// A storm of connections (1,000 idle or slow ones) leaves the freed buffers of its sockets scattered over glibc's
// per-thread arenas, where they stay resident (measured: +9 MB after 1,000 connections, 6 MB of it returned by
// malloc_trim). Once a storm is over, hand that memory back instead of keeping the peak for the process' life.
constexpr int kStormConnections = 256;
std::atomic<int> g_stormPeak { 0 }; // highest open count since the last trim, once it reached kStormConnections

void noteOpened(int open)
{
    int peak = g_stormPeak.load(std::memory_order_relaxed);
    while (open >= kStormConnections && open > peak
           && !g_stormPeak.compare_exchange_weak(peak, open, std::memory_order_relaxed)) {
    }
}

// The storm is over when three quarters of its connections are gone (ordinary traffic may well go on).
void noteClosed(int open)
{
    int peak = g_stormPeak.load(std::memory_order_relaxed);
    if (peak == 0 || open >= peak / 4 || !g_stormPeak.compare_exchange_strong(peak, 0))
        return;
#if defined(__GLIBC__)
    // Shortly after, on this thread: the socket being destroyed and its closing peers free their buffers first.
    QTimer::singleShot(std::chrono::milliseconds(500), [] { malloc_trim(0); });
#endif
}
} // namespace

GuardedSocket::GuardedSocket(const ConnectionLimits& limits, const RequestPipeline& pipeline,
                             std::atomic<int>& openConnections, QObject* parent)
    : QTcpSocket(parent)
    , m_limits(limits)
    , m_pipeline(pipeline)
    , m_openConnections(openConnections)
{
    noteOpened(++m_openConnections);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &GuardedSocket::onTimeout);
    // Connected in the constructor, so it runs before the HTTP parser's own readyRead slot.
    m_ownConnections.append(connect(this, &QTcpSocket::readyRead, this, &GuardedSocket::inspectIncoming));
    m_ownConnections.append(connect(this, &QTcpSocket::disconnected, this, &GuardedSocket::markGone));
    // Never buffer more than one maximal request: the kernel holds the rest (back-pressure).
    setReadBufferSize(limits.maxHeaderBytes + chunkedAllowance(limits.maxBodyBytes) + 64 * 1024);
    m_timer.start(m_limits.idleTimeout);
}

GuardedSocket::~GuardedSocket()
{
    // QAbstractSocket's destructor still emits signals; our slots must not run on the half-destroyed object.
    for (const auto& connection : std::as_const(m_ownConnections))
        disconnect(connection);
    markGone();
    noteClosed(--m_openConnections);
}

void GuardedSocket::markGone()
{
    m_gone->store(true);
}

void GuardedSocket::inspectIncoming()
{
    if (m_rejected) {
        if (isTransactionStarted())
            commitTransaction();
        skip(bytesAvailable());
        return;
    }
    // Qt's parser reads inside a transaction: while one is open we are mid-request and only the new bytes
    // are available; without one, the buffer starts exactly at the next request (it re-emits readyRead
    // after each request, so pipelined requests are each seen from their start).
    if (!isTransactionStarted())
        m_scan = RequestScan{};
    const qint64 available = bytesAvailable();
    if (available <= 0)
        return;
    if (!m_scan.started) {
        m_scan.started = true;
        m_scan.since.start();
        rearmTimer();
    }
    if (!m_scan.headComplete) {
        if (!scanHead(available))
            return;
    } else {
        m_scan.bodySeen += available;
    }
    if (m_scan.chunked && m_scan.bodySeen > chunkedAllowance(m_limits.maxBodyBytes))
        reject(413);
}

bool GuardedSocket::scanHead(qint64 available)
{
    const qint64 room = qint64(m_limits.maxHeaderBytes) + 4 - m_scan.head.size();
    const qint64 wanted = qMin(available, qMax<qint64>(room, 0));
    const qsizetype searchFrom = qMax<qsizetype>(0, m_scan.head.size() - 3);
    m_scan.head.append(peek(wanted));
    const qsizetype end = findEndOfHead(m_scan.head, searchFrom);
    if (end < 0) {
        if (m_scan.head.size() > m_limits.maxHeaderBytes)
            reject(431);
        return false;
    }
    if (end > m_limits.maxHeaderBytes) {
        reject(431);
        return false;
    }
    const qint64 bodyBytesAlreadyHere = (m_scan.head.size() - end) + (available - wanted);
    m_scan.head.truncate(end);
    m_scan.headComplete = true;
    m_scan.bodySeen = bodyBytesAlreadyHere;
    if (!judgeHead())
        return false;
    m_scan.head = QByteArray(); // no longer needed; keep the connection's footprint small
    return true;
}

// Decides from the head alone whether the body may come: size limit, and the framing ambiguities that
// enable request smuggling (both Content-Length and chunked, conflicting lengths).
bool GuardedSocket::judgeHead()
{
    bool sawLength = false;
    bool expectContinue = false;
    const QList<QByteArray> lines = m_scan.head.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.first(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || (sawLength && length != m_scan.contentLength)) {
                reject(400);
                return false;
            }
            sawLength = true;
            m_scan.contentLength = length;
        } else if (name == "transfer-encoding") {
            if (value.toLower() != "chunked") {
                reject(400);
                return false;
            }
            m_scan.chunked = true;
        } else if (name == "expect") {
            expectContinue = value.toLower() == "100-continue";
        }
    }
    if (sawLength && m_scan.chunked) {
        reject(400);
        return false;
    }
    if (m_scan.contentLength > m_limits.maxBodyBytes) {
        reject(413);
        return false;
    }
    // Only when no earlier answer is pending: an interim 100 must not overtake a queued final answer.
    if (expectContinue && m_scan.bodySeen == 0 && m_answers.empty() && (m_scan.contentLength > 0 || m_scan.chunked))
        write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
    return true;
}

void GuardedSocket::reject(int status)
{
    m_rejected = true;
    if (isTransactionStarted())
        commitTransaction();
    skip(bytesAvailable());
    Error error;
    switch (status) {
    case 413:
        error = Error::make(ErrorCode::PayloadTooLarge,
                            QStringLiteral("request body is larger than %1 bytes").arg(m_limits.maxBodyBytes));
        break;
    case 431:
        error = Error::make(ErrorCode::HeadersTooLarge,
                            QStringLiteral("request head is larger than %1 bytes").arg(m_limits.maxHeaderBytes));
        break;
    case 408:
        error = Error::make(ErrorCode::RequestTimeout, QStringLiteral("the request did not arrive in time"));
        break;
    default:
        error = Error::make(ErrorCode::InvalidRequest, QStringLiteral("the request framing is invalid"));
        break;
    }
    const quint64 slot = beginRequest();
    completeRequest(slot, m_pipeline.serialiseBareError(error, m_pipeline.newRequestId()), true);
}

quint64 GuardedSocket::beginRequest()
{
    ++m_requestCount;
    m_answers.push_back(PendingAnswer{m_nextSlot, std::nullopt, false});
    // The parser has the whole request now; the next request's bytes (if any) start a new scan.
    m_scan = RequestScan{};
    m_timer.stop();
    return m_nextSlot++;
}

void GuardedSocket::completeRequest(quint64 slot, QByteArray bytes, bool closeAfter, BodyStream stream)
{
    for (PendingAnswer& answer : m_answers) {
        if (answer.slot == slot) {
            answer.bytes = std::move(bytes);
            answer.closeAfter = closeAfter || isLastAllowedRequest();
            answer.stream = std::move(stream);
            if (answer.stream && m_streamConnection == QMetaObject::Connection())
                m_ownConnections.append(m_streamConnection = connect(this, &QAbstractSocket::bytesWritten, this,
                                                                     [this] { flushAnswers(); }));
            break;
        }
    }
    flushAnswers();
}

bool GuardedSocket::pumpStream(PendingAnswer& answer)
{
    // Refill only while little is queued: the client's reading speed paces the producer (constant memory).
    constexpr qint64 kLowWater = 256 * 1024;
    for (int pieces = 0; pieces < 64 && bytesToWrite() < kLowWater; ++pieces) {
        if (state() != QAbstractSocket::ConnectedState)
            return false;
        Result<QByteArray> piece = answer.stream();
        if (!piece) {
            Log::error(QStringLiteral("http"), QStringLiteral("streamed answer failed; closing the connection"),
                       {{QStringLiteral("error"), piece.error().message}});
            m_answers.clear();
            m_closing = true;
            abort();
            return false;
        }
        if (piece->isEmpty()) {
            write(QByteArrayLiteral("0\r\n\r\n"));
            answer.stream = {};
            return true;
        }
        write(QByteArray::number(piece->size(), 16) + "\r\n" + *piece + "\r\n");
    }
    return false; // more to come once the socket drained (bytesWritten)
}

void GuardedSocket::flushAnswers()
{
    if (m_flushing)
        return; // write() may emit bytesWritten synchronously; the outer loop continues
    m_flushing = true;
    const auto done = qScopeGuard([this] { m_flushing = false; });
    while (!m_answers.empty() && m_answers.front().bytes && !m_closing) {
        PendingAnswer& front = m_answers.front();
        if (!front.headWritten) {
            write(*front.bytes);
            front.headWritten = true;
        }
        if (front.stream && !pumpStream(front))
            return;
        if (m_answers.empty())
            return;
        PendingAnswer answer = std::move(m_answers.front());
        m_answers.pop_front();
        if (answer.closeAfter) {
            m_answers.clear();
            closeAfterAnswer();
            return;
        }
    }
    rearmTimer();
}

// A lingering close: closing outright while the client is still sending (a rejected upload) makes the kernel
// answer with RST, and the client may then lose our error answer. So: finish writing, send FIN, keep
// discarding what still arrives until the client closes, and give up after two seconds.
void GuardedSocket::closeAfterAnswer()
{
    m_closing = true;
    m_rejected = true; // read nothing more from this client
    m_timer.stop();
    if (bytesToWrite() == 0)
        halfClose();
    else
        m_ownConnections.append(connect(this, &QAbstractSocket::bytesWritten, this, [this] {
            if (bytesToWrite() == 0)
                halfClose();
        }));
    QTimer::singleShot(std::chrono::seconds(2), this, &QAbstractSocket::abort);
}

void GuardedSocket::halfClose()
{
    if (m_halfClosed || state() != QAbstractSocket::ConnectedState)
        return;
    m_halfClosed = true;
    ::shutdown(static_cast<int>(socketDescriptor()), SHUT_WR);
}

void GuardedSocket::rearmTimer()
{
    if (m_closing)
        return;
    if (m_scan.started) {
        const auto elapsed = std::chrono::milliseconds(m_scan.since.elapsed());
        m_timer.start(qMax(std::chrono::milliseconds(1), m_limits.requestTimeout - elapsed));
    } else if (m_answers.empty()) {
        m_timer.start(m_limits.idleTimeout);
    } else {
        m_timer.stop(); // answers in flight: the pool's own bounds apply
    }
}

void GuardedSocket::onTimeout()
{
    if (m_scan.started) {
        reject(408);
        return;
    }
    if (m_answers.empty())
        closeAfterAnswer();
}

} // namespace authshield::server
