#include "tests/support/ServerProcess.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstddef>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using authshield::test::ServerProcess;

// `serve` under a Type=notify unit: systemd's notification socket hears READY=1 once the server is ready and
// STOPPING=1 when SIGTERM starts the shutdown.
class TestSystemdNotify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serveAnnouncesReadyAndStopping()
    {
        QTemporaryDir dir;
        const QByteArray path = QFile::encodeName(dir.filePath("notify"));
        const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address = {};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
        QVERIFY(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);

        ServerProcess server({{"NOTIFY_SOCKET", QString::fromLocal8Bit(path)}});
        QVERIFY2(server.start(), server.log().constData());
        QCOMPARE(receive(fd), QByteArray("READY=1\nSTATUS=serving"));
        QCOMPARE(server.stop(), 0);
        QCOMPARE(receive(fd), QByteArray("STOPPING=1"));
        ::close(fd);
    }

private:
    static QByteArray receive(int fd)
    {
        pollfd readable = {fd, POLLIN, 0};
        if (::poll(&readable, 1, 10000) <= 0)
            return "(nothing within 10 s)";
        char buffer[4096];
        const ssize_t size = ::recv(fd, buffer, sizeof(buffer), 0);
        return size > 0 ? QByteArray(buffer, size) : QByteArray();
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemd_notify.moc"
