#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QDir>
#include <QProcessEnvironment>
#include <QString>

namespace authshield::server {

// ./var when currentDir is writable, else $XDG_DATA_HOME/authshield (~/.local/share/authshield).
QString defaultDataDir(const QProcessEnvironment& env, const QString& currentDir = QDir::currentPath());

// Makes config.dataDir absolute and creates it (mode 0700) with mail/ and secrets/ (0700 too); a data dir that
// exists with looser permissions is tightened. Fills the default database url sqlite:///<data dir>/authshield.db
// when none was configured.
Result<void> prepareDataDir(ServerConfig& config);

// Dev/test only, and only when secrets.encryption_key is unset: reads <data dir>/secrets/encryption.key, creating it
// (32 random bytes, base64, mode 0600) on first start, and sets secrets.encryptionKeyGenerated. Never generates in
// prod (the profile check refuses a missing key there). Call after prepareDataDir().
Result<void> ensureDevSecrets(ServerConfig& config);

QString devEncryptionKeyPath(const ServerConfig& config);

} // namespace authshield::server
