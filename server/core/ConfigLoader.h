#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QMap>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace authshield::server {

struct ConfigSources
{
    QString configPath; // --config FILE; empty = AUTHSHIELD_CONFIG, else defaultConfigPath when it exists
    QString dataDirOverride; // --data-dir DIR; wins over everything
    QProcessEnvironment env; // the process environment in production; built by hand in tests
    QString defaultConfigPath = QStringLiteral("/etc/authshield/authshield.conf");
};

struct LoadedConfig
{
    ServerConfig config;
    QString configFile; // the file used, or empty when running on defaults and environment only
    QStringList warnings;
    // "section.key" → where the effective value came from: "default", "/etc/authshield/authshield.conf:12",
    // "env AUTHSHIELD_HTTP_LISTEN", "--data-dir", or "default for profile prod" and the like for derived defaults.
    QMap<QString, QString> sources;
    // "section.key" → absolute path of the file a secret was read from (the <key>_file / *_FILE form).
    QMap<QString, QString> secretFiles;
};

class ConfigLoader
{
public:
    // Defaults < INI file < environment < dataDirOverride. On any problem: Error{ValidationFailed}, fields maps
    // "section.key" (or the unknown name) to the reason, message lists every problem, one per line, as
    // `http.max_body_bytes (env AUTHSHIELD_HTTP_MAX_BODY_BYTES): "abc" is not a whole number`.
    static Result<LoadedConfig> load(const ConfigSources& sources);
};

// INI text of every key's effective value with its source as a trailing comment. Secrets show as ******** or
// <not set>, never their value.
QString renderEffectiveConfig(const LoadedConfig& loaded);

// http://host:port for a listen address; wildcard hosts become loopback. The dev/test default public URL.
QString listenUrl(const QString& host, quint16 port);

} // namespace authshield::server
