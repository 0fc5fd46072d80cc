#include "server/crypto/Random.h"

#include "server/crypto/Base64Url.h"

#include <sodium.h>

namespace authshield::server {

QByteArray SystemRandom::bytes(int n)
{
    if (n <= 0) {
        return {};
    }
    QByteArray out(n, Qt::Uninitialized);
    randombytes_buf(out.data(), static_cast<size_t>(n));
    return out;
}

QByteArray randomToken256(Random& random)
{
    return Base64Url::encode(random.bytes(32));
}

QByteArray randomToken256()
{
    SystemRandom random;
    return randomToken256(random);
}

} // namespace authshield::server
