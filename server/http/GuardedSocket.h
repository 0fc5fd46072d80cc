#pragma once

#include "server/http/ConnectionLimits.h"
#include "server/http/HttpResponse.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTimer>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>

namespace authshield::server {

class RequestPipeline;

// A client connection with our limits in front of Qt's HTTP parser (QHttpServer 6.4 buffers whole
// requests and has no limits of its own). Its readyRead slot is connected before the parser's, so it
// sees each request's bytes first: the head is scanned up to the header limit, Content-Length is judged
// before the body arrives, chunked bodies are counted, and slow or idle clients are timed out. A
// rejected connection gets one error answer and is closed; its remaining bytes are discarded unread.
//
// It also keeps HTTP/1.1 response order: a slot is reserved per request in arrival order and answers are
// written only from the front, so a slow (pool) answer cannot be overtaken by a later fast one.
class GuardedSocket final : public QTcpSocket
{
    Q_OBJECT

public:
    GuardedSocket(const ConnectionLimits& limits, const RequestPipeline& pipeline,
                  std::atomic<int>& openConnections, QObject* parent);
    ~GuardedSocket() override;

    quint64 beginRequest();
    // bytes: the whole answer, or the head of a chunked one whose body comes from stream.
    void completeRequest(quint64 slot, QByteArray bytes, bool closeAfter, BodyStream stream = {});
    bool isLastAllowedRequest() const { return m_requestCount >= m_limits.maxRequestsPerConnection; }
    // Set once the client is gone, so pool jobs can skip work nobody will read.
    std::shared_ptr<std::atomic<bool>> goneFlag() const { return m_gone; }

private:
    struct RequestScan
    {
        bool started = false;
        bool headComplete = false;
        bool chunked = false;
        QByteArray head;
        qint64 contentLength = 0;
        qint64 bodySeen = 0;
        QElapsedTimer since;
    };
    struct PendingAnswer
    {
        quint64 slot = 0;
        std::optional<QByteArray> bytes;
        bool closeAfter = false;
        BodyStream stream;
        bool headWritten = false;
    };
    // Writes chunks of the front answer's stream until the send buffer is full; true when the stream ended.
    bool pumpStream(PendingAnswer& answer);

    void inspectIncoming();
    bool scanHead(qint64 available);
    bool judgeHead();
    void reject(int status);
    void flushAnswers();
    void rearmTimer();
    void onTimeout();
    void markGone();
    void closeAfterAnswer();
    void halfClose();

    const ConnectionLimits& m_limits;
    const RequestPipeline& m_pipeline;
    std::atomic<int>& m_openConnections;
    std::shared_ptr<std::atomic<bool>> m_gone = std::make_shared<std::atomic<bool>>(false);
    RequestScan m_scan;
    std::deque<PendingAnswer> m_answers;
    quint64 m_nextSlot = 0;
    int m_requestCount = 0;
    bool m_rejected = false;
    bool m_closing = false;
    bool m_halfClosed = false;
    QTimer m_timer;
    QList<QMetaObject::Connection> m_ownConnections;
    QMetaObject::Connection m_streamConnection;
    bool m_flushing = false;
};

} // namespace authshield::server
