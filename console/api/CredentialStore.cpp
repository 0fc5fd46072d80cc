#include "console/api/CredentialStore.h"

#include <qt6keychain/keychain.h>

namespace authshield::console {

namespace {

const QString kService = QStringLiteral("AuthShield Console");

QString reasonFor(const QKeychain::Job& job)
{
    switch (job.error()) {
    case QKeychain::NoBackendAvailable:
        return QStringLiteral("No system keyring is available (%1); the password is not remembered.")
            .arg(job.errorString());
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return QStringLiteral("The system keyring refused access (%1).").arg(job.errorString());
    case QKeychain::EntryNotFound: return QStringLiteral("No password is remembered for this account.");
    default: return QStringLiteral("The system keyring failed: %1").arg(job.errorString());
    }
}

} // namespace

CredentialStore::CredentialStore(QObject* parent)
    : QObject(parent)
{
}

QString CredentialStore::keyFor(const QString& serverUrl, const QString& email)
{
    return email.trimmed().toLower() + QLatin1Char('@') + serverUrl;
}

void CredentialStore::store(const QString& key, const QString& password, const QObject* context, Done onDone, Failed onError)
{
    auto* job = new QKeychain::WritePasswordJob(kService, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setTextData(password);
    connect(job, &QKeychain::Job::finished, context, [job, onDone = std::move(onDone), onError = std::move(onError)]() {
        if (job->error() == QKeychain::NoError)
            onDone();
        else
            onError(reasonFor(*job));
    });
    job->start();
}

void CredentialStore::read(const QString& key, const QObject* context, PasswordRead onDone, Failed onError)
{
    auto* job = new QKeychain::ReadPasswordJob(kService, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context, [job, onDone = std::move(onDone), onError = std::move(onError)]() {
        if (job->error() == QKeychain::NoError)
            onDone(job->textData());
        else
            onError(reasonFor(*job));
    });
    job->start();
}

void CredentialStore::remove(const QString& key, const QObject* context, Done onDone, Failed onError)
{
    auto* job = new QKeychain::DeletePasswordJob(kService, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context, [job, onDone = std::move(onDone), onError = std::move(onError)]() {
        if (job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound)
            onDone();
        else
            onError(reasonFor(*job));
    });
    job->start();
}

} // namespace authshield::console
