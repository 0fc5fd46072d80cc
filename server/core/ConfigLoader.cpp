#include "server/core/ConfigLoader.h"

#include "server/core/ConfigKeys.h"
#include "server/core/DataDir.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QHostAddress>
#include <QRegularExpression>
#include <QStringDecoder>

#include <algorithm>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {

constexpr qint64 maxConfigFileBytes = 1024 * 1024;
constexpr qint64 maxSecretFileBytes = 64 * 1024;
const QString envPrefix = u"AUTHSHIELD_"_s;

// Every problem found, so one run of check-config shows them all.
class Problems
{
public:
    void add(const QString& id, const QString& origin, const QString& reason)
    {
        m_lines.append(id + u" ("_s + origin + u"): "_s + reason);
        QString& field = m_fields[id];
        field = field.isEmpty() ? reason : field + u"; "_s + reason;
    }
    bool isEmpty() const { return m_lines.isEmpty(); }
    Error error() const { return Error { ErrorCode::ValidationFailed, m_lines.join(u'\n'), m_fields }; }

private:
    QStringList m_lines;
    QMap<QString, QString> m_fields;
};

// A value as given in one source, before it is parsed.
struct RawValue
{
    QString text;
    QString origin; // "/etc/authshield/authshield.conf:12" or "env AUTHSHIELD_HTTP_LISTEN"
    bool isFileForm = false; // text is the path of a file holding the secret
    QString baseDir; // relative secret file paths resolve against this
};

using Layer = QHash<QString, RawValue>; // "section.key" → value

int editDistance(const QString& a, const QString& b)
{
    QList<int> previous(b.size() + 1);
    QList<int> current(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        previous[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int substitution = previous[j - 1] + (a.at(i - 1) == b.at(j - 1) ? 0 : 1);
            current[j] = std::min({ previous[j] + 1, current[j - 1] + 1, substitution });
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

QString suggestion(const QString& unknown, const QStringList& known)
{
    QString best;
    int bestDistance = 4; // farther than this is not a typo worth naming
    for (const QString& candidate : known) {
        // A truncated name ("max_body" for "max_body_bytes") counts as close.
        const bool truncated = unknown.size() >= 4 && candidate.startsWith(unknown + u'_');
        const int distance = truncated ? 1 : editDistance(unknown, candidate);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best.isEmpty() ? QString() : u" (did you mean "_s + best + u"?)"_s;
}

// Parses a quoted value starting at text[0] (" with \" \\ \n escapes, or ' taken literally). Anything after the
// closing quote other than whitespace or a comment is an error.
std::optional<QString> unquote(const QString& text)
{
    const QChar quote = text.at(0);
    QString value;
    qsizetype i = 1;
    bool closed = false;
    for (; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == quote) {
            closed = true;
            ++i;
            break;
        }
        if (quote == u'"' && c == u'\\' && i + 1 < text.size()) {
            const QChar next = text.at(++i);
            value += next == u'n' ? QChar(u'\n') : next;
            continue;
        }
        value += c;
    }
    if (!closed)
        return std::nullopt;
    const QString rest = text.mid(i).trimmed();
    if (!rest.isEmpty() && !rest.startsWith(u'#') && !rest.startsWith(u';'))
        return std::nullopt;
    return value;
}

void parseFile(const QString& path, const QString& content, Layer& layer, Problems& problems)
{
    const QString baseDir = QFileInfo(path).absolutePath();
    const QStringList sections = configSections();
    QString section;
    bool sectionKnown = false;
    QHash<QString, int> seenAt; // id (+"_file") → line, for duplicates
    const QStringList lines = content.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int lineNumber = int(index + 1);
        const QString origin = path + u':' + QString::number(lineNumber);
        QString line = lines.at(index);
        if (index == 0 && line.startsWith(QChar(0xFEFF)))
            line.remove(0, 1);
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';'))
            continue;
        if (line.startsWith(u'[')) {
            if (!line.endsWith(u']')) {
                problems.add(u"config"_s, origin, u"expected [section]"_s);
                sectionKnown = false;
                continue;
            }
            section = line.mid(1, line.size() - 2).trimmed();
            sectionKnown = sections.contains(section);
            if (!sectionKnown) {
                problems.add(u'[' + section + u']', origin,
                             u"unknown section"_s + suggestion(section, sections) + u"; known sections: "_s
                                 + sections.join(u", "_s));
            }
            continue;
        }
        const qsizetype equals = line.indexOf(u'=');
        if (equals <= 0) {
            problems.add(u"config"_s, origin, u"expected `key = value`"_s);
            continue;
        }
        const QString name = line.left(equals).trimmed();
        QString value = line.mid(equals + 1).trimmed();
        if (section.isEmpty()) {
            problems.add(name, origin, u"key outside a [section]"_s);
            continue;
        }
        if (!sectionKnown)
            continue; // already reported once for the section
        const ConfigKey* key = findConfigKey(section, name);
        bool isFileForm = false;
        if (!key && name.endsWith(u"_file"_s)) {
            key = findConfigKey(section, name.chopped(5));
            isFileForm = key && key->secret;
            if (!isFileForm)
                key = nullptr;
        }
        if (!key) {
            QStringList known;
            for (const ConfigKey& candidate : configKeys()) {
                if (candidate.section == section) {
                    known.append(candidate.name);
                    if (candidate.secret)
                        known.append(candidate.fileFormName());
                }
            }
            problems.add(section + u'.' + name, origin, u"unknown key"_s + suggestion(name, known));
            continue;
        }
        if (!value.isEmpty() && (value.startsWith(u'"') || value.startsWith(u'\''))) {
            const auto unquoted = unquote(value);
            if (!unquoted) {
                problems.add(key->id(), origin, u"unterminated quote or text after the closing quote"_s);
                continue;
            }
            value = *unquoted;
        } else if (!key->secret || isFileForm) {
            // "value  # note": a # at the start or after whitespace starts a comment. Secret values are taken verbatim,
            // since a password may well contain " #"; quote them or use the _file form.
            static const QRegularExpression inlineComment(u"(^|\\s)#.*$"_s);
            value = value.remove(inlineComment).trimmed();
        }
        const QString seenName = section + u'.' + name;
        if (seenAt.contains(seenName)) {
            problems.add(seenName, origin,
                         u"set twice (first at line "_s + QString::number(seenAt.value(seenName)) + u')');
            continue;
        }
        seenAt.insert(seenName, lineNumber);
        if (layer.contains(key->id())) {
            problems.add(key->id(), origin,
                         u"give either "_s + key->name + u" or "_s + key->fileFormName() + u", not both (other at "_s
                             + layer.value(key->id()).origin + u')');
            continue;
        }
        layer.insert(key->id(), RawValue { value, origin, isFileForm, baseDir });
    }
}

struct EnvName
{
    const ConfigKey* key = nullptr;
    bool isFileForm = false;
};

void parseEnvironment(const QProcessEnvironment& env, Layer& layer, Problems& problems)
{
    QHash<QString, EnvName> known;
    for (const ConfigKey& key : configKeys()) {
        known.insert(key.envName(), { &key, false });
        for (const QString& alias : key.envAliases)
            known.insert(alias, { &key, false });
        if (key.secret)
            known.insert(key.envFileName(), { &key, true });
    }
    QStringList knownNames = known.keys();
    knownNames.append(u"AUTHSHIELD_CONFIG"_s);

    QStringList names = env.keys();
    names.sort();
    for (const QString& name : std::as_const(names)) {
        if (!name.startsWith(envPrefix) || name == "AUTHSHIELD_CONFIG"_L1 || name.startsWith(u"AUTHSHIELD_TEST_"_s))
            continue;
        const auto it = known.constFind(name);
        if (it == known.cend()) {
            problems.add(name, u"env"_s, u"unknown environment variable"_s + suggestion(name, knownNames));
            continue;
        }
        const ConfigKey& key = *it->key;
        const QString origin = u"env "_s + name;
        if (layer.contains(key.id())) {
            problems.add(key.id(), origin,
                         u"also set by "_s + layer.value(key.id()).origin + u"; set only one of them"_s);
            continue;
        }
        layer.insert(key.id(), RawValue { env.value(name), origin, it->isFileForm, QDir::currentPath() });
    }
}

// Reads a secret from its file: the content with trailing line breaks removed.
std::optional<QString> readSecretFile(const QString& path, QString& reason)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        reason = u"cannot read secret file "_s + path + u": "_s + file.errorString();
        return std::nullopt;
    }
    if (file.size() > maxSecretFileBytes) {
        reason = u"secret file "_s + path + u" is larger than 64 KiB"_s;
        return std::nullopt;
    }
    QByteArray content = file.readAll();
    while (content.endsWith('\n') || content.endsWith('\r'))
        content.chop(1);
    if (content.isEmpty()) {
        reason = u"secret file "_s + path + u" is empty"_s;
        return std::nullopt;
    }
    return QString::fromUtf8(content);
}

// Which file, if any, to read: --config, then AUTHSHIELD_CONFIG, then the default path when it exists.
struct FileChoice
{
    QString path;
    QString origin;
};

std::optional<FileChoice> chooseFile(const ConfigSources& sources)
{
    if (!sources.configPath.isEmpty())
        return FileChoice { sources.configPath, u"--config"_s };
    const QString fromEnv = sources.env.value(u"AUTHSHIELD_CONFIG"_s);
    if (!fromEnv.isEmpty())
        return FileChoice { fromEnv, u"env AUTHSHIELD_CONFIG"_s };
    if (!sources.defaultConfigPath.isEmpty() && QFileInfo::exists(sources.defaultConfigPath))
        return FileChoice { sources.defaultConfigPath, u"default location"_s };
    return std::nullopt;
}

void readFile(const FileChoice& choice, LoadedConfig& loaded, Layer& layer, Problems& problems)
{
    const QString path = QFileInfo(choice.path).absoluteFilePath();
    QFile file(path);
    if (!QFileInfo(path).isFile() || !file.open(QIODevice::ReadOnly)) {
        const QString reason = QFileInfo::exists(path) && !QFileInfo(path).isFile()
            ? u"is not a regular file"_s
            : u"cannot be read: "_s + (file.errorString().isEmpty() ? u"no such file"_s : file.errorString());
        problems.add(u"config"_s, choice.origin, u"config file "_s + path + u' ' + reason);
        return;
    }
    if (file.size() > maxConfigFileBytes) {
        problems.add(u"config"_s, choice.origin, u"config file "_s + path + u" is larger than 1 MiB"_s);
        return;
    }
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString content = decoder(file.readAll());
    if (decoder.hasError()) {
        problems.add(u"config"_s, choice.origin, u"config file "_s + path + u" is not valid UTF-8"_s);
        return;
    }
    loaded.configFile = path;
    parseFile(path, content, layer, problems);
}

void checkCombinations(const LoadedConfig& loaded, Problems& problems)
{
    const ServerConfig& config = loaded.config;
    const auto origin = [&loaded](const char* id) { return loaded.sources.value(QLatin1String(id)); };
    const bool hs256 = config.tokens.algorithm == "HS256"_L1;
    const qsizetype secretBytes = config.tokens.hmacSecret.toUtf8().size();
    if (hs256 && config.tokens.hmacSecret.isEmpty()) {
        problems.add(u"tokens.hmac_secret"_s, origin("tokens.algorithm"),
                     u"tokens.algorithm is HS256, which needs tokens.hmac_secret (at least 32 bytes)"_s);
    } else if (hs256 && secretBytes < 32) {
        problems.add(u"tokens.hmac_secret"_s, origin("tokens.hmac_secret"),
                     u"must be at least 32 bytes for HS256 (it has "_s + QString::number(secretBytes) + u')');
    } else if (!hs256 && !config.tokens.hmacSecret.isEmpty()) {
        problems.add(u"tokens.hmac_secret"_s, origin("tokens.hmac_secret"),
                     u"is set but tokens.algorithm is "_s + config.tokens.algorithm
                         + u"; remove it or set algorithm = HS256"_s);
    }
    if (config.password.minLength > config.password.maxBytes) {
        problems.add(u"password.min_length"_s, origin("password.min_length"),
                     u"is larger than password.max_bytes ("_s + QString::number(config.password.maxBytes) + u')');
    }
}

} // namespace

Result<LoadedConfig> ConfigLoader::load(const ConfigSources& sources)
{
    Problems problems;
    LoadedConfig loaded;

    Layer fileLayer;
    if (const auto choice = chooseFile(sources))
        readFile(*choice, loaded, fileLayer, problems);
    Layer envLayer;
    parseEnvironment(sources.env, envLayer, problems);

    ServerConfig& config = loaded.config;
    for (const ConfigKey& key : configKeys()) {
        const QString id = key.id();
        loaded.sources.insert(id, u"default"_s);
        if (id == "server.data_dir"_L1 && !sources.dataDirOverride.isEmpty()) {
            config.dataDir = sources.dataDirOverride;
            loaded.sources.insert(id, u"--data-dir"_s);
            continue;
        }
        const auto inEnv = envLayer.constFind(id);
        const auto inFile = fileLayer.constFind(id);
        if (inEnv == envLayer.cend() && inFile == fileLayer.cend())
            continue;
        const RawValue& raw = inEnv != envLayer.cend() ? *inEnv : *inFile;
        QString text = raw.text;
        if (raw.isFileForm) {
            const QString path = QDir(raw.baseDir).absoluteFilePath(raw.text.trimmed());
            QString reason;
            const auto secret = readSecretFile(path, reason);
            if (!secret) {
                problems.add(id, raw.origin, reason);
                continue;
            }
            text = *secret;
            loaded.secretFiles.insert(id, path);
        }
        const QString reason = key.assign(text, config);
        if (!reason.isEmpty()) {
            problems.add(id, raw.origin, reason);
            continue;
        }
        loaded.sources.insert(id, raw.origin);
    }

    if (loaded.sources.value(u"server.api_docs"_s) == "default"_L1) {
        config.apiDocs = config.profile != Profile::Prod;
        loaded.sources.insert(u"server.api_docs"_s, u"default for profile "_s + profileName(config.profile));
    }
    if (config.dataDir.isEmpty())
        config.dataDir = defaultDataDir(sources.env);
    // With port 0 the real port is known only after binding; the server sets the URL then.
    if (config.publicUrl.isEmpty() && config.profile != Profile::Prod && config.http.port != 0) {
        config.publicUrl = listenUrl(config.http.host, config.http.port);
        loaded.sources.insert(u"server.public_url"_s, u"default from http.listen"_s);
    }
    checkCombinations(loaded, problems);
    if (!problems.isEmpty())
        return problems.error();

    if (config.tokens.refreshIdleTtl > config.tokens.refreshTtl) {
        loaded.warnings.append(u"tokens.refresh_idle_ttl is longer than tokens.refresh_ttl; sessions end after "_s
                               u"refresh_ttl regardless"_s);
    }
    return loaded;
}

QString listenUrl(const QString& host, quint16 port)
{
    const QHostAddress address(host);
    QString reachable = host;
    if (address == QHostAddress::AnyIPv4)
        reachable = u"127.0.0.1"_s;
    else if (address == QHostAddress::AnyIPv6)
        reachable = u"::1"_s;
    return u"http://"_s + formatListen(reachable, port);
}

namespace {

QString fileValue(const QString& value)
{
    const bool plain
        = value == value.trimmed() && !value.startsWith(u'"') && !value.startsWith(u'\'') && !value.contains(u'\n');
    if (plain)
        return value;
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s).replace(u"\n"_s, u"\\n"_s);
    return u'"' + escaped + u'"';
}

} // namespace

QString renderEffectiveConfig(const LoadedConfig& loaded)
{
    const ServerConfig& config = loaded.config;
    const ServerConfig builtIn;
    QString text = u"# Effective configuration, profile "_s + profileName(config.profile) + u"; config file: "_s
        + (loaded.configFile.isEmpty() ? u"none"_s : loaded.configFile) + u'\n';
    for (const QString& section : configSections()) {
        text += u"\n["_s + section + u"]\n"_s;
        for (const ConfigKey& key : configKeys()) {
            if (key.section != section)
                continue;
            const QString value = key.show(config);
            QString source = loaded.sources.value(key.id(), u"default"_s);
            if (key.id() == "secrets.encryption_key"_L1 && config.secrets.encryptionKeyGenerated)
                source = u"generated in "_s + devEncryptionKeyPath(config);
            else if (source == "default"_L1 && value != key.show(builtIn))
                source = u"derived default"_s;
            if (loaded.secretFiles.contains(key.id()))
                source += u", read from "_s + loaded.secretFiles.value(key.id());
            const QString shown = key.secret ? value : fileValue(value);
            text += key.name + (shown.isEmpty() ? u" ="_s : u" = "_s + shown) + u"  # "_s + source + u'\n';
        }
    }
    return text;
}

} // namespace authshield::server
