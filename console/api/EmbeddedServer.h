#pragma once

#include <QObject>
#include <QString>

#include <functional>

class QThread;

namespace authshield::console {

class EmbeddedServerWorker;

// "Start a local server": the server library running in this process on the embedded default (SQLite and
// in-process stores in a data dir the user picks), listening on a free 127.0.0.1 port. Storage, migrations and
// the HTTP server are built and run on a thread of their own so the window never waits for them; the server's
// log lines arrive as logLine. stop() (also from the destructor) shuts it down in order and joins the thread.
class EmbeddedServer : public QObject
{
    Q_OBJECT

public:
    explicit EmbeddedServer(QObject* parent);
    ~EmbeddedServer() override;

    void start(const QString& dataDir); // → started(port) or failed(reason)
    void stop();
    bool isRunning() const { return m_port != 0; }
    quint16 port() const { return m_port; }
    QString url() const;

    // The first administrator, as `authshield-server create-admin` makes one (verified, roles user + admin,
    // audited), run on the server's thread. onDone(empty) on success, else the reason in words.
    void createAdmin(const QString& email, const QString& password, const QObject* context,
                     std::function<void(const QString& problem)> onDone);

Q_SIGNALS:
    void started(quint16 port);
    void failed(const QString& reason);
    void stopped();
    void logLine(const QString& line); // one JSON line of the server's log

private:
    QThread* m_thread = nullptr;
    EmbeddedServerWorker* m_worker = nullptr;
    quint16 m_port = 0;
};

} // namespace authshield::console
