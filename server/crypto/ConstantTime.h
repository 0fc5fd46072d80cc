#pragma once

#include <QByteArray>

namespace authshield::server {

// Compares secrets (MACs, token hashes) without leaking the position of the first difference. A length
// difference returns false, but only after comparing a same-length buffer, so timing never depends on content.
bool constantTimeEquals(const QByteArray& a, const QByteArray& b);

} // namespace authshield::server
