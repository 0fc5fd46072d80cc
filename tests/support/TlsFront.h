#pragma once

#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QTemporaryDir>

class QSslServer;

namespace authshield::test {

// An HTTPS front for tests: terminates TLS on 127.0.0.1 with a self-signed certificate made at runtime (openssl
// command, as SmtpSink does) and forwards the decrypted bytes to a plain-HTTP backend port, both ways. Lives in
// the thread that creates it (the console's network code is asynchronous, so one event loop serves both).
// No Q_OBJECT: tests/support has no moc step, and nothing here needs signals of its own.
//
//     TlsFront front(nullptr);
//     QVERIFY(front.start(server.port()));                 // → front.port()
//     … connect to https://127.0.0.1:<front.port()> …
//     QVERIFY(front.renewCertificate());                   // a new key and certificate (another fingerprint)
class TlsFront : public QObject
{
public:
    explicit TlsFront(QObject* parent);
    ~TlsFront() override;

    bool start(quint16 backendPort); // false when no certificate could be made or the port not opened
    quint16 port() const;
    QSslCertificate certificate() const { return m_certificate; }
    // Replaces the key and certificate for the connections that follow.
    bool renewCertificate();
    int handshakes() const { return m_handshakes; } // TLS sessions established so far

private:
    void accept();

    QTemporaryDir m_dir;
    QSslServer* m_server;
    quint16 m_backendPort = 0;
    QSslCertificate m_certificate;
    QSslKey m_key;
    int m_generation = 0;
    int m_handshakes = 0;
};

} // namespace authshield::test
