#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QTcpSocket>

#include <memory>
#include <optional>

namespace authshield::test {

class OpenApiContract;

// Attach to a TestHttpClient (setContractCheck) so every answer to request() is checked against the OpenAPI
// document; problems collect in `failures` for the test to assert on.
struct ContractCheck
{
    const OpenApiContract* contract = nullptr;
    QStringList* failures = nullptr;
};

struct TestResponse
{
    int status = 0; // 0 = no (complete) answer
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray& lowerCaseName) const;
    QJsonObject json() const;
    QString errorCode() const; // error.code of the envelope
};

// A deliberately small HTTP/1.1 client on one keep-alive connection, so tests control exactly what goes
// on the wire (pipelining, partial heads, bad framing) and see exactly what comes back. Every wait is
// bounded; a missing answer is status 0, never a hang.
class TestHttpClient
{
public:
    explicit TestHttpClient(quint16 port, QString host = QStringLiteral("127.0.0.1"));

    bool connectToServer(int timeoutMs = 5000);
    TestResponse request(const QByteArray& method, const QByteArray& path, const QByteArray& body = {},
                         const QList<QPair<QByteArray, QByteArray>>& headers = {}, int timeoutMs = 10000);
    TestResponse get(const QByteArray& path, const QList<QPair<QByteArray, QByteArray>>& headers = {});
    TestResponse postJson(const QByteArray& path, const QJsonObject& body,
                          const QList<QPair<QByteArray, QByteArray>>& headers = {});

    void setContractCheck(ContractCheck check) { m_check = check; }

    void sendRaw(const QByteArray& bytes);
    // Reads one complete response (Content-Length framed; interim 1xx answers are returned too).
    TestResponse readResponse(int timeoutMs = 10000);
    bool waitForDisconnect(int timeoutMs);
    bool isConnected() const;
    void close();
    QTcpSocket& socket() { return *m_socket; }

    static QByteArray bearer(const QString& token) { return "Bearer " + token.toUtf8(); }

private:
    std::optional<TestResponse> tryParse();

    quint16 m_port;
    QString m_host;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
    ContractCheck m_check;
};

} // namespace authshield::test
