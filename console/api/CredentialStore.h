#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace authshield::console {

// Passwords in the system keyring (Secret Service, KWallet, macOS Keychain) through QtKeychain — never in a
// plain file: the insecure fallback stays off. Without a keyring (a headless box, the tests) every call ends in
// onError with a sentence saying so, and the console simply asks for the password.
class CredentialStore : public QObject
{
    Q_OBJECT

public:
    explicit CredentialStore(QObject* parent);

    using Done = std::function<void()>;
    using PasswordRead = std::function<void(const QString& password)>;
    using Failed = std::function<void(const QString& reason)>;

    // The key names the server and the account, so two servers' passwords never mix.
    static QString keyFor(const QString& serverUrl, const QString& email);

    // Callbacks run in this thread unless `context` is gone first.
    void store(const QString& key, const QString& password, const QObject* context, Done onDone, Failed onError);
    void read(const QString& key, const QObject* context, PasswordRead onDone, Failed onError);
    void remove(const QString& key, const QObject* context, Done onDone, Failed onError);
};

} // namespace authshield::console
