#include "server/app/SystemdNotifier.h"

#include <QTemporaryDir>
#include <QTest>

#include <QFile>

#include <cstddef>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using authshield::server::SystemdNotifier;

namespace {
// The receiving end systemd would hold: a datagram socket bound to a path or an abstract name.
class NotifySocket
{
public:
    explicit NotifySocket(const QByteArray& name)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address = {};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, name.constData(), size_t(name.size()));
        if (name.startsWith('@'))
            address.sun_path[0] = '\0';
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr*>(&address),
                         socklen_t(offsetof(sockaddr_un, sun_path) + name.size()))
            == 0;
    }
    ~NotifySocket() { ::close(m_fd); }
    bool isBound() const { return m_bound; }
    QByteArray receive()
    {
        pollfd readable = {m_fd, POLLIN, 0};
        if (::poll(&readable, 1, 5000) <= 0)
            return {};
        char buffer[4096];
        const ssize_t size = ::recv(m_fd, buffer, sizeof(buffer), 0);
        return size > 0 ? QByteArray(buffer, size) : QByteArray();
    }

private:
    int m_fd = -1;
    bool m_bound = false;
};
} // namespace

class TestSystemdNotifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sendsStatesToTheSocket_data()
    {
        QTest::addColumn<bool>("abstract");
        QTest::addRow("path socket") << false;
        QTest::addRow("abstract socket") << true;
    }
    void sendsStatesToTheSocket()
    {
        QFETCH(bool, abstract);
        QTemporaryDir dir;
        const QByteArray name = abstract ? "@authshield-notify-test-" + QByteArray::number(::getpid())
                                         : QFile::encodeName(dir.filePath("notify"));
        NotifySocket socket(name);
        QVERIFY(socket.isBound());
        SystemdNotifier notifier(name);
        QVERIFY(notifier.isEnabled());
        QVERIFY2(notifier.ready("serving"), qPrintable(notifier.errorString()));
        QCOMPARE(socket.receive(), QByteArray("READY=1\nSTATUS=serving"));
        QVERIFY(notifier.stopping());
        QCOMPARE(socket.receive(), QByteArray("STOPPING=1"));
    }

    void withoutSystemdNothingHappens()
    {
        SystemdNotifier notifier(QByteArray{});
        QVERIFY(!notifier.isEnabled());
        QVERIFY(notifier.ready("serving"));
    }

    void unreachableSocketIsReported()
    {
        QTemporaryDir dir;
        SystemdNotifier relative("relative/socket");
        QVERIFY(!relative.notify("READY=1"));
        QVERIFY(relative.errorString().contains("absolute path"));
        SystemdNotifier missing(QFile::encodeName(dir.filePath("nobody-listens")));
        QVERIFY(!missing.notify("READY=1"));
        QVERIFY(missing.errorString().contains("cannot notify systemd"));
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotifier)
#include "tst_systemd_notifier.moc"
