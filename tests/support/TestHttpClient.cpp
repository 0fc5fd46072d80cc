#include "tests/support/TestHttpClient.h"

#include "tests/support/OpenApiContract.h"

#include <QDeadlineTimer>
#include <QJsonDocument>

namespace authshield::test {

QByteArray TestResponse::header(const QByteArray& lowerCaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowerCaseName)
            return value;
    }
    return {};
}

QJsonObject TestResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString TestResponse::errorCode() const
{
    return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

TestHttpClient::TestHttpClient(quint16 port, QString host)
    : m_port(port)
    , m_host(std::move(host))
{
}

bool TestHttpClient::connectToServer(int timeoutMs)
{
    m_socket = std::make_unique<QTcpSocket>();
    m_buffer.clear();
    m_socket->connectToHost(m_host, m_port);
    return m_socket->waitForConnected(timeoutMs);
}

bool TestHttpClient::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void TestHttpClient::close()
{
    if (m_socket)
        m_socket->abort();
}

void TestHttpClient::sendRaw(const QByteArray& bytes)
{
    if (!isConnected())
        connectToServer();
    m_socket->write(bytes);
    m_socket->flush();
    m_socket->waitForBytesWritten(5000);
}

TestResponse TestHttpClient::request(const QByteArray& method, const QByteArray& path, const QByteArray& body,
                                     const QList<QPair<QByteArray, QByteArray>>& headers, int timeoutMs)
{
    QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: " + m_host.toLatin1() + "\r\n";
    bool hasContentType = false;
    for (const auto& [name, value] : headers) {
        hasContentType = hasContentType || name.toLower() == "content-type";
        raw += name + ": " + value + "\r\n";
    }
    if (!body.isEmpty() && !hasContentType)
        raw += "Content-Type: application/json\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH")
        raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    raw += "\r\n" + body;
    sendRaw(raw);
    TestResponse response = readResponse(timeoutMs);
    if (m_check.contract && m_check.failures)
        *m_check.failures += m_check.contract->check(method, path, response);
    return response;
}

TestResponse TestHttpClient::get(const QByteArray& path, const QList<QPair<QByteArray, QByteArray>>& headers)
{
    return request("GET", path, {}, headers);
}

TestResponse TestHttpClient::postJson(const QByteArray& path, const QJsonObject& body,
                                      const QList<QPair<QByteArray, QByteArray>>& headers)
{
    return request("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers);
}

std::optional<TestResponse> TestHttpClient::tryParse()
{
    const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return std::nullopt;
    const QList<QByteArray> lines = m_buffer.first(headEnd).split('\n');
    TestResponse response;
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    response.status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0;
    qint64 length = 0;
    bool chunked = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.first(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        response.headers.append({name, value});
        if (name == "content-length")
            length = value.toLongLong();
        if (name == "transfer-encoding" && value.toLower() == "chunked")
            chunked = true;
    }
    if (response.status >= 100 && response.status < 200) {
        m_buffer.remove(0, headEnd + 4);
        return response;
    }
    if (chunked) {
        // Complete only once the last (zero-size) chunk and its empty trailer arrived.
        QByteArray body;
        qsizetype at = headEnd + 4;
        while (true) {
            const qsizetype lineEnd = m_buffer.indexOf("\r\n", at);
            if (lineEnd < 0)
                return std::nullopt;
            bool ok = false;
            const qint64 size = m_buffer.mid(at, lineEnd - at).split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok)
                return std::nullopt;
            if (size == 0) {
                if (m_buffer.size() < lineEnd + 4)
                    return std::nullopt;
                response.body = body;
                m_buffer.remove(0, lineEnd + 4);
                return response;
            }
            if (m_buffer.size() < lineEnd + 2 + size + 2)
                return std::nullopt;
            body += m_buffer.mid(lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
    if (m_buffer.size() < headEnd + 4 + length)
        return std::nullopt;
    response.body = m_buffer.mid(headEnd + 4, length);
    m_buffer.remove(0, headEnd + 4 + length);
    return response;
}

TestResponse TestHttpClient::readResponse(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        if (auto parsed = tryParse())
            return *parsed;
        if (!m_socket || deadline.hasExpired())
            return {};
        if (m_socket->bytesAvailable() > 0) {
            m_buffer += m_socket->readAll();
            continue;
        }
        if (m_socket->state() != QAbstractSocket::ConnectedState)
            return {};
        m_socket->waitForReadyRead(static_cast<int>(qMax<qint64>(1, qMin<qint64>(deadline.remainingTime(), 200))));
    }
}

bool TestHttpClient::waitForDisconnect(int timeoutMs)
{
    if (!m_socket)
        return true;
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket->state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired()) {
        m_socket->waitForReadyRead(50);
        m_buffer += m_socket->readAll();
    }
    return m_socket->state() == QAbstractSocket::UnconnectedState;
}

} // namespace authshield::test
