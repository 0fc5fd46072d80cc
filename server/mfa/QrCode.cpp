#include "server/mfa/QrCode.h"

#include <qrencode.h>

#include <memory>

namespace authshield::server {

namespace {
constexpr int kQuietZone = 4;

struct QrDeleter
{
    void operator()(QRcode* code) const { QRcode_free(code); }
};
} // namespace

Result<QString> QrCode::svg(const QByteArray& text)
{
    // QByteArray's data is NUL-terminated, as QRcode_encodeString needs.
    std::unique_ptr<QRcode, QrDeleter> code(QRcode_encodeString(text.constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code)
        return Error::make(ErrorCode::Internal, QStringLiteral("the QR code could not be generated"));
    const int width = code->width;
    const int size = width + 2 * kQuietZone;
    QString path;
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            if (code->data[y * width + x] & 0x01)
                path += QStringLiteral("M%1 %2h1v1h-1z").arg(x + kQuietZone).arg(y + kQuietZone);
        }
    }
    return QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %1 %1\" width=\"%2\" height=\"%2\" "
                          "shape-rendering=\"crispEdges\"><rect width=\"%1\" height=\"%1\" fill=\"#fff\"/>"
                          "<path fill=\"#000\" d=\"%3\"/></svg>")
        .arg(size)
        .arg(size * 4)
        .arg(path);
}

} // namespace authshield::server
