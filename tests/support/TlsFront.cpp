#include "tests/support/TlsFront.h"

#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>

namespace authshield::test {

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

TlsFront::TlsFront(QObject* parent)
    : QObject(parent)
    , m_server(new QSslServer(this))
{
    connect(m_server, &QSslServer::pendingConnectionAvailable, this, &TlsFront::accept);
}

TlsFront::~TlsFront() = default;

bool TlsFront::renewCertificate()
{
    if (!m_dir.isValid())
        return false;
    ++m_generation;
    const QString base = m_dir.path() + "/front" + QString::number(m_generation);
    QProcess openssl;
    openssl.start("openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                              "-days", "2", "-subj",
                              "/O=AuthShield tests/CN=AuthShield test HTTPS front " + QString::number(m_generation),
                              "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", base + ".key",
                              "-out", base + ".pem"});
    if (!openssl.waitForFinished(30000) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0)
        return false;
    const QSslCertificate certificate(readAll(base + ".pem"), QSsl::Pem);
    const QSslKey key(readAll(base + ".key"), QSsl::Ec);
    if (certificate.isNull() || key.isNull())
        return false;
    m_certificate = certificate;
    m_key = key;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_certificate);
    configuration.setPrivateKey(m_key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server->setSslConfiguration(configuration);
    return true;
}

bool TlsFront::start(quint16 backendPort)
{
    m_backendPort = backendPort;
    return renewCertificate() && m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 TlsFront::port() const
{
    return m_server->serverPort();
}

void TlsFront::accept()
{
    while (m_server->hasPendingConnections()) {
        auto* client = qobject_cast<QSslSocket*>(m_server->nextPendingConnection());
        if (!client)
            continue;
        ++m_handshakes;
        auto* backend = new QTcpSocket(client); // dies with the client connection
        connect(client, &QSslSocket::readyRead, backend, [client, backend]() {
            if (backend->state() == QAbstractSocket::ConnectedState)
                backend->write(client->readAll());
        });
        connect(backend, &QTcpSocket::connected, client, [client, backend]() { backend->write(client->readAll()); });
        connect(backend, &QTcpSocket::readyRead, client, [client, backend]() { client->write(backend->readAll()); });
        connect(backend, &QTcpSocket::disconnected, client, [client]() { client->disconnectFromHost(); });
        connect(client, &QSslSocket::disconnected, client, [client, backend]() {
            backend->abort();
            client->deleteLater();
        });
        backend->connectToHost(QHostAddress::LocalHost, m_backendPort);
    }
}

} // namespace authshield::test
