#include "server/core/ProfileValidator.h"

#include "server/core/ConfigKeys.h"

#include <QFile>
#include <QUrl>

#include <sys/stat.h>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

std::optional<uint> fileMode(const QString& path)
{
    struct stat info = {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return std::nullopt;
    return uint(info.st_mode) & 07777u;
}

QStringList ProfileValidator::prodProblems(const LoadedConfig& loaded, const FileModeLookup& secretFileModes)
{
    const ServerConfig& config = loaded.config;
    if (config.profile != Profile::Prod)
        return {};
    QStringList problems;

    if (config.secrets.encryptionKeyGenerated) {
        problems << u"secrets.encryption_key was generated into the data dir, which prod does not accept: move the "
                    u"key to a file readable only by the service (chmod 600) and set encryption_key_file in "
                    u"[secrets] or AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE."_s;
    } else if (config.secrets.encryptionKey.isEmpty()) {
        problems << u"secrets.encryption_key is not set: create one with `head -c 32 /dev/urandom | base64 > "
                    u"/etc/authshield/encryption.key && chmod 600 /etc/authshield/encryption.key` and set "
                    u"encryption_key_file = /etc/authshield/encryption.key in [secrets] (or "
                    u"AUTHSHIELD_SECRETS_ENCRYPTION_KEY_FILE)."_s;
    }

    for (auto it = loaded.secretFiles.cbegin(); it != loaded.secretFiles.cend(); ++it) {
        const auto mode = secretFileModes(it.value());
        if (!mode) {
            problems << u"The secret file "_s + it.value() + u" ("_s + it.key()
                    + u") cannot be examined: make sure it exists and is readable by the service."_s;
        } else if (*mode & 077u) {
            problems << u"The secret file "_s + it.value() + u" ("_s + it.key()
                    + u") is accessible to group or "
                      u"others (mode "_s
                    + QString::number(*mode, 8).rightJustified(4, u'0') + u"): run chmod 600 "_s + it.value() + u'.';
        }
    }

    // Secrets written inline in the config file are only as private as the file itself.
    QStringList inlineSecrets;
    for (const ConfigKey& key : configKeys()) {
        const QString source = loaded.sources.value(key.id());
        if (key.secret && !loaded.configFile.isEmpty() && source.startsWith(loaded.configFile + u':')
            && !loaded.secretFiles.contains(key.id()))
            inlineSecrets.append(key.id());
    }
    if (!inlineSecrets.isEmpty()) {
        const auto mode = secretFileModes(loaded.configFile);
        if (mode && (*mode & 007u)) {
            problems << u"The config file "_s + loaded.configFile + u" holds secrets ("_s + inlineSecrets.join(u", "_s)
                    + u") and is readable by others (mode "_s + QString::number(*mode, 8).rightJustified(4, u'0')
                    + u"): run chmod 640 "_s + loaded.configFile + u", or move the secrets to *_file files."_s;
        }
    }

    if (config.publicUrl.isEmpty()) {
        problems << u"server.public_url is not set: set public_url in [server] (or AUTHSHIELD_PUBLIC_URL) to the "
                    u"https:// address clients use; it is the token issuer and the base of mail links."_s;
    } else if (QUrl(config.publicUrl).scheme() != "https"_L1) {
        problems << u"server.public_url "_s + config.publicUrl
                + u" is not https: prod serves tokens only behind TLS, so set an https:// URL."_s;
    }

    if (config.apiDocs) {
        problems << u"server.api_docs is enabled: set api_docs = false in [server] (or "
                    u"AUTHSHIELD_SERVER_API_DOCS=false); prod does not publish the API description."_s;
    }

    if (config.tokens.algorithm == "HS256"_L1 && config.tokens.hmacSecret.toUtf8().size() < 32) {
        problems << u"tokens.algorithm is HS256 but tokens.hmac_secret is shorter than 32 bytes: set "
                    u"hmac_secret_file to a file with at least 32 random bytes, or use algorithm = EdDSA."_s;
    }

    if (config.metrics.bearerToken.isEmpty() && !config.metrics.hasOwnListener()) {
        problems << u"GET /metrics would be public: set bearer_token_file in [metrics] (or "
                    u"AUTHSHIELD_METRICS_BEARER_TOKEN_FILE) to a file with a random token, or set listen in "
                    u"[metrics] (AUTHSHIELD_METRICS_LISTEN) to a private host:port such as 127.0.0.1:9464."_s;
    }

    if (loaded.sources.value(u"database.url"_s, u"default"_s) == "default"_L1) {
        problems << u"database.url is not set: prod must choose its database explicitly; set url in [database] "
                    u"(or AUTHSHIELD_DATABASE_URL) to postgresql://user@host:port/db, or to sqlite:///path.db for "
                    u"a single instance."_s;
    }
    return problems;
}

QStringList ProfileValidator::prodWarnings(const LoadedConfig& loaded)
{
    const ServerConfig& config = loaded.config;
    if (config.profile != Profile::Prod)
        return {};
    QStringList warnings;
    if (config.redis.url.isEmpty()) {
        warnings << u"redis.url is not set: rate limits, lockouts and the token blocklist are kept in this process, "
                    u"so run a single instance (set AUTHSHIELD_REDIS_URL to run several)."_s;
    }
    return warnings;
}

} // namespace authshield::server
