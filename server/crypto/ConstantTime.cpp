#include "server/crypto/ConstantTime.h"

#include <sodium.h>

namespace authshield::server {

bool constantTimeEquals(const QByteArray& a, const QByteArray& b)
{
    if (a.size() != b.size()) {
        // Spend the same work as a real comparison of a, then fail.
        [[maybe_unused]] const int ignored = sodium_memcmp(a.constData(), a.constData(), static_cast<size_t>(a.size()));
        return false;
    }
    return sodium_memcmp(a.constData(), b.constData(), static_cast<size_t>(a.size())) == 0;
}

} // namespace authshield::server
