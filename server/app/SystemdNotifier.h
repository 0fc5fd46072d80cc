#pragma once

#include <QByteArray>
#include <QString>

namespace authshield::server {

// sd_notify(3) without libsystemd: one datagram with "KEY=value" lines to the AF_UNIX socket systemd names in
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). Without $NOTIFY_SOCKET (not started by a
// Type=notify unit) every call is a successful no-op.
class SystemdNotifier
{
public:
    // Reads $NOTIFY_SOCKET once.
    SystemdNotifier();
    explicit SystemdNotifier(QByteArray socketPath);

    bool isEnabled() const { return !m_socketPath.isEmpty(); }

    // false (and sets errorString()) when the datagram could not be sent; the server keeps running either way,
    // systemd then reports the start as timed out, which is the behaviour it documents.
    bool notify(const QByteArray& state);
    bool ready(const QString& status) { return notify("READY=1\nSTATUS=" + status.toUtf8()); }
    bool stopping() { return notify(QByteArrayLiteral("STOPPING=1")); }

    QString errorString() const { return m_error; }

private:
    QByteArray m_socketPath;
    QString m_error;
};

} // namespace authshield::server
