#pragma once

#include "server/core/Config.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace authshield::server {

// One row per configuration key. The loader, the environment names, check-config's output and the example file
// all come from this table: adding a key is one row in configKeys() plus a field in Config.h.
struct ConfigKey
{
    QString section; // "http"
    QString name; // "max_body_bytes"
    QString help; // one line for the example file
    bool secret = false; // never shown; also accepted as <name>_file and AUTHSHIELD_<SECTION>_<NAME>_FILE
    QStringList envAliases; // short names kept for scripts, e.g. AUTHSHIELD_ENV for server.profile
    // Stores the text into the config; returns why it is not acceptable, or an empty string. Reasons of
    // non-secret keys quote the offending text; reasons of secret keys never do.
    std::function<QString(const QString& text, ServerConfig& config)> assign;
    // The effective value as it would be written in the file.
    std::function<QString(const ServerConfig& config)> show;

    QString id() const { return section + QLatin1Char('.') + name; } // "http.max_body_bytes"
    QString envName() const; // AUTHSHIELD_HTTP_MAX_BODY_BYTES
    QString fileFormName() const { return name + QStringLiteral("_file"); }
    QString envFileName() const { return envName() + QStringLiteral("_FILE"); }
};

const QList<ConfigKey>& configKeys();
const ConfigKey* findConfigKey(const QString& section, const QString& name);
QStringList configSections(); // in table order

// "host:port" as written in [http] listen; IPv6 hosts are bracketed.
QString formatListen(const QString& host, quint16 port);
// The example/default configuration file: every key commented out with its default and help text.
QString renderExampleConfig();

} // namespace authshield::server
