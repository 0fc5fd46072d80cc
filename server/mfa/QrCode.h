#pragma once

#include "shared/Result.h"

#include <QByteArray>
#include <QString>

namespace authshield::server {

// A QR code (libqrencode, error correction M) as a self-contained SVG document: one path of dark modules inside
// the 4-module quiet zone, scaled by the viewBox, so clients can show it as is or as a data: URI.
class QrCode
{
public:
    static Result<QString> svg(const QByteArray& text);
};

} // namespace authshield::server
