#include "server/app/SystemdNotifier.h"

#include <QtGlobal>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace authshield::server {

SystemdNotifier::SystemdNotifier()
    : SystemdNotifier(qgetenv("NOTIFY_SOCKET"))
{
}

SystemdNotifier::SystemdNotifier(QByteArray socketPath)
    : m_socketPath(std::move(socketPath))
{
}

bool SystemdNotifier::notify(const QByteArray& state)
{
    if (m_socketPath.isEmpty())
        return true;
    sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    // Only absolute paths and abstract names are valid (what systemd itself accepts).
    const bool abstract = m_socketPath.startsWith('@');
    if ((!abstract && !m_socketPath.startsWith('/'))
        || static_cast<std::size_t>(m_socketPath.size()) >= sizeof(address.sun_path)) {
        m_error = QStringLiteral("NOTIFY_SOCKET is not an absolute path or @abstract name");
        return false;
    }
    std::memcpy(address.sun_path, m_socketPath.constData(), static_cast<std::size_t>(m_socketPath.size()));
    if (abstract)
        address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_socketPath.size());

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        m_error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const ssize_t sent = ::sendto(fd, state.constData(), static_cast<std::size_t>(state.size()), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&address), length);
    const int sendError = errno;
    ::close(fd);
    if (sent != state.size()) {
        m_error = QStringLiteral("cannot notify systemd at %1: %2")
                      .arg(QString::fromLocal8Bit(m_socketPath), QString::fromLocal8Bit(std::strerror(sendError)));
        return false;
    }
    return true;
}

} // namespace authshield::server
