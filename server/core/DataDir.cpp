#include "server/core/DataDir.h"

#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <array>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {

constexpr QFileDevice::Permissions ownerOnlyDir = QFileDevice::ReadOwner | QFileDevice::WriteOwner
    | QFileDevice::ExeOwner | QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser;
constexpr QFileDevice::Permissions ownerOnlyFile
    = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser;

Error failure(const QString& message)
{
    return Error::make(ErrorCode::Internal, message);
}

Result<void> makePrivateDir(const QString& path)
{
    QDir dir(path);
    if (!dir.exists() && !QDir().mkpath(path))
        return failure(u"cannot create directory "_s + path);
    const QFileInfo info(path);
    if (!info.isDir())
        return failure(path + u" exists but is not a directory"_s);
    const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    if ((info.permissions() & others) && !QFile::setPermissions(path, ownerOnlyDir))
        return failure(u"cannot restrict "_s + path + u" to mode 0700 (is it owned by another user?)"_s);
    if (!QFileInfo(path).isWritable())
        return failure(u"directory "_s + path + u" is not writable"_s);
    return success();
}

bool isValidKey(const QByteArray& base64)
{
    const auto decoded = QByteArray::fromBase64Encoding(base64, QByteArray::AbortOnBase64DecodingErrors);
    return decoded && decoded.decoded.size() == 32;
}

} // namespace

QString defaultDataDir(const QProcessEnvironment& env, const QString& currentDir)
{
    if (QFileInfo(currentDir).isWritable())
        return QDir(currentDir).filePath(u"var"_s);
    QString base = env.value(u"XDG_DATA_HOME"_s);
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir(env.value(u"HOME"_s, QDir::homePath())).filePath(u".local/share"_s);
    return QDir(base).filePath(u"authshield"_s);
}

Result<void> prepareDataDir(ServerConfig& config)
{
    if (config.dataDir.isEmpty())
        config.dataDir = defaultDataDir(QProcessEnvironment::systemEnvironment());
    config.dataDir = QDir::cleanPath(QDir(config.dataDir).absolutePath());
    for (const QString& path : { config.dataDir, config.dataDir + u"/mail"_s, config.dataDir + u"/secrets"_s }) {
        const auto made = makePrivateDir(path);
        if (!made)
            return made;
    }
    if (config.database.url.isEmpty())
        config.database.url = u"sqlite://"_s + config.dataDir + u"/authshield.db"_s;
    return success();
}

QString devEncryptionKeyPath(const ServerConfig& config)
{
    return config.dataDir + u"/secrets/encryption.key"_s;
}

Result<void> ensureDevSecrets(ServerConfig& config)
{
    if (!config.secrets.encryptionKey.isEmpty() || config.profile == Profile::Prod)
        return success();
    const QString path = devEncryptionKeyPath(config);

    QFile created(path);
    // NewOnly: two processes starting at once must not overwrite each other's key; the loser reads the winner's.
    if (created.open(QIODevice::WriteOnly | QIODevice::NewOnly, ownerOnlyFile)) {
        std::array<quint32, 8> words {};
        QRandomGenerator::system()->generate(words.begin(), words.end());
        const QByteArray raw(reinterpret_cast<const char*>(words.data()), sizeof(words));
        const QByteArray encoded = raw.toBase64() + '\n';
        if (created.write(encoded) != encoded.size() || !created.flush()) {
            created.remove();
            return failure(u"cannot write "_s + path + u": "_s + created.errorString());
        }
        created.close();
    }

    QFile existing(path);
    if (!existing.open(QIODevice::ReadOnly))
        return failure(u"cannot read "_s + path + u": "_s + existing.errorString());
    const QByteArray key = existing.read(4096).trimmed();
    if (!isValidKey(key))
        return failure(path
                       + u" does not hold 32 bytes of base64; delete it to generate a new key (data encrypted "
                         u"with the old key becomes unreadable)"_s);
    config.secrets.encryptionKey = QString::fromLatin1(key);
    config.secrets.encryptionKeyGenerated = true;
    return success();
}

} // namespace authshield::server
