#include "server/mfa/MfaService.h"

#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Metrics.h"
#include "server/crypto/ConstantTime.h"
#include "server/crypto/PasswordHasher.h"
#include "server/mail/MailOutbox.h"
#include "server/mail/MailTemplates.h"
#include "server/mfa/MfaRepository.h"
#include "server/mfa/QrCode.h"
#include "server/mfa/Totp.h"
#include "server/storage/Database.h"
#include "server/storage/Transaction.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
constexpr int kWindowSteps = 1;

Error wrong(const QString& field)
{
    Error error = Error::make(ErrorCode::ValidationFailed, u"the %1 is incorrect"_s.arg(field.contains(u"code"_s)
                                                                                            ? u"code"_s
                                                                                            : u"password"_s));
    error.fields.insert(field, u"is incorrect"_s);
    return error;
}

Error noSuchUser()
{
    return Error::make(ErrorCode::NotFound, u"no such user"_s);
}

QString factorField(const SecondFactor& factor)
{
    return factor.recoveryCode.isEmpty() ? u"code"_s : u"recovery_code"_s;
}
} // namespace

MfaService::MfaService(const Database& database, const Clock& clock, const MfaRepository& repository, SecretBox box,
                       RecoveryCodes recoveryCodes, const PasswordHasher& hasher, const UserRepository& users,
                       const AuditLog& audit, const MailOutbox& outbox, QString issuer)
    : m_database(database)
    , m_clock(clock)
    , m_repository(repository)
    , m_box(std::move(box))
    , m_recoveryCodes(std::move(recoveryCodes))
    , m_hasher(hasher)
    , m_users(users)
    , m_audit(audit)
    , m_outbox(outbox)
    , m_issuer(std::move(issuer))
{
}

void MfaService::count(const QString& event) const
{
    if (m_events)
        m_events->labels({event}).increment();
}

QByteArray MfaService::associatedData(const QString& userId) const
{
    return "mfa.totp:" + userId.toUtf8();
}

Result<void> MfaService::audit(const QString& type, const QString& actorId, const QString& subjectId,
                               const RequestOrigin& origin, bool ok, const QJsonObject& details) const
{
    AuditEvent event{type,          actorId,          subjectId,
                     origin.ip,     origin.userAgent, origin.requestId,
                     ok ? u"success"_s : u"failure"_s, details};
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    return success();
}

Result<void> MfaService::checkPassword(const QString& userId, const QByteArray& password) const
{
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value() || (*user)->passwordHash.isEmpty()) {
        m_hasher.dummyVerify(password);
        return wrong(u"password"_s);
    }
    if (!m_hasher.verify((*user)->passwordHash, password).matches)
        return wrong(u"password"_s);
    return success();
}

Result<TotpEnrolment> MfaService::beginEnrolment(const QString& userId, const QByteArray& password,
                                                 const RequestOrigin&)
{
    if (Result<void> checked = checkPassword(userId, password); !checked)
        return checked.error();
    return beginEnrolmentAfterLogin(userId);
}

Result<TotpEnrolment> MfaService::beginEnrolmentAfterLogin(const QString& userId)
{
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return noSuchUser();
    return startEnrolment(userId, (*user)->email);
}

Result<TotpEnrolment> MfaService::startEnrolment(const QString& userId, const QString& account)
{
    const QByteArray secret = m_random->bytes(Totp::kSecretBytes);
    if (Result<void> saved = m_repository.savePending(userId, m_box.seal(secret, associatedData(userId))); !saved)
        return saved.error();
    TotpEnrolment enrolment;
    enrolment.secret = Totp::base32Encode(secret);
    enrolment.otpauthUri = Totp::otpauthUri(m_issuer, account, secret);
    Result<QString> svg = QrCode::svg(enrolment.otpauthUri.toUtf8());
    if (!svg)
        return svg.error();
    enrolment.qrSvg = *svg;
    return enrolment;
}

Result<std::optional<qint64>> MfaService::checkCode(const QString& userId, const QString& code, bool pending) const
{
    Result<std::optional<TotpRecord>> record = m_repository.totp(userId);
    if (!record)
        return record.error();
    if (!record->has_value() || (*record)->enabled == pending)
        return std::optional<qint64>();
    Result<QByteArray> secret = m_box.open((*record)->sealedSecret, associatedData(userId));
    if (!secret)
        return secret.error();
    return Totp::matchingStep(*secret, code.trimmed(), m_clock.now().toSecsSinceEpoch(), kWindowSteps);
}

Result<QStringList> MfaService::storeNewRecoveryCodes(const QString& userId)
{
    const QStringList codes = m_recoveryCodes.generate(*m_random);
    QList<QByteArray> hashes;
    for (const QString& code : codes)
        hashes.append(m_recoveryCodes.hash(code));
    if (Result<void> stored = m_repository.replaceRecoveryCodes(userId, hashes); !stored)
        return stored.error();
    return codes;
}

Result<QStringList> MfaService::confirmEnrolment(const QString& userId, const QString& code,
                                                 const RequestOrigin& origin)
{
    Result<std::optional<TotpRecord>> record = m_repository.totp(userId);
    if (!record)
        return record.error();
    if (!record->has_value())
        return Error::make(ErrorCode::Conflict, u"no enrolment is pending; start one first"_s);
    if ((*record)->enabled)
        return Error::make(ErrorCode::Conflict, u"two-factor authentication is already enabled"_s);
    Result<std::optional<qint64>> step = checkCode(userId, code, true);
    if (!step)
        return step.error();
    if (!step->has_value())
        return wrong(u"code"_s);

    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    Result<bool> enabled = m_repository.enable(userId, **step);
    if (!enabled)
        return enabled.error();
    if (!*enabled) // a concurrent confirmation won
        return Error::make(ErrorCode::Conflict, u"two-factor authentication is already enabled"_s);
    Result<QStringList> codes = storeNewRecoveryCodes(userId);
    if (!codes)
        return codes;
    if (Result<void> audited = audit(u"auth.mfa.enrolled"_s, userId, userId, origin, true,
                                     {{u"method"_s, u"totp"_s}});
        !audited)
        return audited.error();
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();
    count(u"enrolled"_s);
    return codes;
}

Result<std::optional<QString>> MfaService::check(const QString& userId, const SecondFactor& factor, QString* reason)
{
    if (!factor.recoveryCode.isEmpty()) {
        Result<QList<StoredRecoveryCode>> stored = m_repository.unusedRecoveryCodes(userId);
        if (!stored)
            return stored.error();
        const QByteArray hash = m_recoveryCodes.hash(factor.recoveryCode);
        QString matched;
        for (const StoredRecoveryCode& candidate : *stored) { // every one compared: timing tells nothing
            if (constantTimeEquals(candidate.hash, hash))
                matched = candidate.id;
        }
        Result<bool> spent = matched.isEmpty() ? Result<bool>(false) : m_repository.spendRecoveryCode(matched);
        if (!spent)
            return spent.error();
        if (!*spent) {
            *reason = u"bad_recovery_code"_s;
            return std::optional<QString>();
        }
        return std::optional<QString>(u"recovery_code"_s);
    }
    Result<std::optional<qint64>> step = checkCode(userId, factor.code, false);
    if (!step)
        return step.error();
    if (!step->has_value()) {
        *reason = u"bad_code"_s;
        return std::optional<QString>();
    }
    Result<bool> accepted = m_repository.acceptStep(userId, **step);
    if (!accepted)
        return accepted.error();
    if (!*accepted) {
        *reason = u"replayed_code"_s;
        return std::optional<QString>();
    }
    return std::optional<QString>(u"totp"_s);
}

void MfaService::recordFailure(const QString& userId, const QString& reason, const RequestOrigin& origin)
{
    (void)audit(u"auth.mfa.failed"_s, QString(), userId, origin, false, {{u"reason"_s, reason}});
    count(u"failed"_s);
}

Result<std::optional<QString>> MfaService::verify(const QString& userId, const SecondFactor& factor,
                                                  const RequestOrigin& origin)
{
    QString reason;
    Result<std::optional<QString>> method = check(userId, factor, &reason);
    if (!method)
        return method;
    if (!method->has_value()) {
        recordFailure(userId, reason, origin);
        return method;
    }
    if (**method == "recovery_code"_L1) {
        Result<int> remaining = m_repository.remainingRecoveryCodes(userId);
        if (Result<void> audited = audit(u"auth.mfa.recovery_code_used"_s, userId, userId, origin, true,
                                         {{u"remaining"_s, remaining ? *remaining : -1}});
            !audited)
            return audited.error();
        count(u"recovery_code_used"_s);
    }
    if (Result<void> audited = audit(u"auth.mfa.succeeded"_s, userId, userId, origin, true, {{u"method"_s, **method}});
        !audited)
        return audited.error();
    count(u"succeeded"_s);
    return method;
}

Result<void> MfaService::disable(const QString& userId, const QByteArray& password, const SecondFactor& factor,
                                 const RequestOrigin& origin)
{
    if (Result<void> checked = checkPassword(userId, password); !checked)
        return checked;
    Result<bool> enabled = m_repository.isEnabled(userId);
    if (!enabled)
        return enabled.error();
    if (!*enabled)
        return Error::make(ErrorCode::Conflict, u"two-factor authentication is not enabled"_s);
    Result<std::optional<QString>> method = verify(userId, factor, origin);
    if (!method)
        return method.error();
    if (!method->has_value())
        return wrong(factorField(factor));
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    if (Result<bool> removed = m_repository.remove(userId); !removed)
        return removed.error();
    if (Result<void> audited = audit(u"auth.mfa.disabled"_s, userId, userId, origin, true, {{u"by"_s, u"user"_s}});
        !audited)
        return audited;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed;
    count(u"disabled"_s);
    return success();
}

Result<QStringList> MfaService::regenerateRecoveryCodes(const QString& userId, const QByteArray& password,
                                                        const QString& code, const RequestOrigin& origin)
{
    if (Result<void> checked = checkPassword(userId, password); !checked)
        return checked.error();
    Result<bool> enabled = m_repository.isEnabled(userId);
    if (!enabled)
        return enabled.error();
    if (!*enabled)
        return Error::make(ErrorCode::Conflict, u"two-factor authentication is not enabled"_s);
    Result<std::optional<QString>> method = verify(userId, SecondFactor{code, QString()}, origin);
    if (!method)
        return method.error();
    if (!method->has_value())
        return wrong(u"code"_s);
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    Result<QStringList> codes = storeNewRecoveryCodes(userId);
    if (!codes)
        return codes;
    if (Result<void> audited = audit(u"auth.mfa.recovery_codes_regenerated"_s, userId, userId, origin, true);
        !audited)
        return audited.error();
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();
    return codes;
}

Result<MfaStatus> MfaService::status(const QString& userId) const
{
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return noSuchUser();
    Result<std::optional<TotpRecord>> record = m_repository.totp(userId);
    if (!record)
        return record.error();
    MfaStatus status;
    if (record->has_value() && (*record)->enabled) {
        status.totpEnabled = true;
        status.enrolledAt = (*record)->enrolledAt;
        Result<int> remaining = m_repository.remainingRecoveryCodes(userId);
        if (!remaining)
            return remaining.error();
        status.recoveryCodesRemaining = *remaining;
    }
    return status;
}

Result<void> MfaService::adminReset(const QString& userId, const QString& actorId, const RequestOrigin& origin)
{
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return noSuchUser();
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    Result<bool> enabled = m_repository.isEnabled(userId);
    if (!enabled)
        return enabled.error();
    if (Result<bool> removed = m_repository.remove(userId); !removed)
        return removed.error();
    int revoked = 0;
    if (*enabled) {
        const User& owner = **user;
        Result<MailMessage> mail = MailTemplates::render(
            u"mfa_reset"_s, owner.email,
            {{u"display_name"_s, owner.displayName.isEmpty() ? owner.email : owner.displayName},
             {u"email"_s, owner.email},
             {u"time"_s, m_clock.now().toUTC().toString(u"yyyy-MM-dd HH:mm 'UTC'"_s)}});
        if (!mail)
            return mail.error();
        if (Result<QString> queued = m_outbox.enqueue(*mail); !queued)
            return queued.error();
        if (m_revokeSessions) {
            Result<int> ended = m_revokeSessions(userId, u"mfa_reset"_s, origin);
            if (!ended)
                return ended.error();
            revoked = *ended;
        }
    }
    if (Result<void> audited = audit(u"admin.mfa.reset"_s, actorId, userId, origin, true,
                                     {{u"had_mfa"_s, *enabled}, {u"sessions_revoked"_s, revoked}});
        !audited)
        return audited;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed;
    if (*enabled) {
        m_outbox.wake();
        count(u"reset"_s);
    }
    return success();
}

} // namespace authshield::server
