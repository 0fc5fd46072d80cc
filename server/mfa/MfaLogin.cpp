#include "server/mfa/MfaLogin.h"

#include "server/accounts/User.h"
#include "server/accounts/UserRepository.h"
#include "server/core/Log.h"
#include "server/crypto/Random.h"
#include "server/crypto/Sha256.h"
#include "server/mfa/MfaPolicy.h"
#include "server/mfa/MfaRepository.h"
#include "server/mfa/MfaService.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/storage/KeyValueStore.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

namespace {
const QByteArray kVerify = QByteArrayLiteral("verify");
const QByteArray kEnrol = QByteArrayLiteral("enrol");
constexpr int kMaxTokenLength = 128;

Error invalidToken()
{
    return Error::make(ErrorCode::InvalidToken, u"The MFA token is invalid or has expired; sign in again."_s);
}

Error wrongCode()
{
    return Error::make(ErrorCode::InvalidCredentials, u"The code is incorrect."_s);
}

QByteArray triesKey(const QByteArray& tokenKey)
{
    return "mfa:tries:" + tokenKey.mid(tokenKey.lastIndexOf(':') + 1);
}
} // namespace

MfaLogin::MfaLogin(MfaService& mfa, const MfaRepository& repository, const MfaPolicy& policy,
                   const UserRepository& users, KeyValueStore& store, LoginService& login,
                   std::chrono::seconds tokenTtl)
    : m_mfa(mfa)
    , m_repository(repository)
    , m_policy(policy)
    , m_users(users)
    , m_store(store)
    , m_login(login)
    , m_tokenTtl(tokenTtl)
{
}

QByteArray MfaLogin::tokenKey(const QString& mfaToken)
{
    return "mfa:token:" + Sha256::hash(mfaToken.toUtf8()).toHex();
}

Result<std::optional<MfaChallenge>> MfaLogin::challenge(const User& user, const RequestOrigin& origin)
{
    Result<bool> enabled = m_repository.isEnabled(user.id);
    if (!enabled)
        return enabled.error();
    bool enrol = false;
    if (!*enabled) {
        const QStringList required = m_policy.requiredRoles();
        if (required.isEmpty())
            return std::optional<MfaChallenge>();
        Result<QStringList> roles = m_users.roles(user.id);
        if (!roles)
            return roles.error();
        if (!m_policy.isRequiredFor(*roles))
            return std::optional<MfaChallenge>();
        enrol = true;
    }
    const QString token = QString::fromLatin1(randomToken256());
    const QByteArray value = (enrol ? kEnrol : kVerify) + '\n' + user.id.toUtf8() + '\n' + origin.ip.toUtf8();
    if (Result<void> stored = m_store.set(tokenKey(token), value, m_tokenTtl); !stored)
        return stored.error();
    return std::optional<MfaChallenge>(MfaChallenge{enrol, token, static_cast<qint64>(m_tokenTtl.count())});
}

Result<MfaLogin::Attempt> MfaLogin::open(const QString& mfaToken, const QByteArray& purpose,
                                         const RequestOrigin& origin)
{
    if (mfaToken.isEmpty() || mfaToken.size() > kMaxTokenLength)
        return invalidToken();
    Attempt attempt;
    attempt.key = tokenKey(mfaToken);
    Result<std::optional<QByteArray>> stored = m_store.get(attempt.key);
    if (!stored)
        return stored.error();
    if (!stored->has_value())
        return invalidToken();
    const QList<QByteArray> parts = (*stored)->split('\n');
    // Bound to the attempt: the purpose it was issued for and the client address that proved the password.
    if (parts.size() != 3 || parts.at(0) != purpose || QString::fromUtf8(parts.at(2)) != origin.ip)
        return invalidToken();
    attempt.userId = QString::fromUtf8(parts.at(1));
    Result<std::optional<User>> user = m_users.findById(attempt.userId);
    if (!user)
        return user.error();
    if (!user->has_value() || !(*user)->isActive()) {
        (void)m_store.remove(attempt.key);
        return invalidToken();
    }
    attempt.email = (*user)->email;
    return attempt;
}

Result<qint64> MfaLogin::countTry(const Attempt& attempt, const RequestOrigin& origin)
{
    Result<qint64> tries = m_store.increment(triesKey(attempt.key), 1, m_tokenTtl);
    if (!tries)
        return tries.error();
    if (*tries > kMaxTries) {
        (void)m_store.remove(attempt.key);
        m_mfa.recordFailure(attempt.userId, u"token_exhausted"_s, origin);
        return invalidToken();
    }
    return *tries;
}

void MfaLogin::killIfSpent(const Attempt& attempt, qint64 tries)
{
    if (tries >= kMaxTries) // that was the last try this token had
        (void)m_store.remove(attempt.key);
}

Result<void> MfaLogin::spend(const Attempt& attempt)
{
    Result<bool> removed = m_store.remove(attempt.key);
    if (!removed)
        return removed.error();
    if (!*removed) // another request with the same token won
        return invalidToken();
    (void)m_store.remove(triesKey(attempt.key));
    return success();
}

Result<TokenPair> MfaLogin::verify(const QString& mfaToken, const SecondFactor& factor, const RequestOrigin& origin)
{
    Result<Attempt> attempt = open(mfaToken, kVerify, origin);
    if (!attempt)
        return attempt.error();
    Result<qint64> tries = countTry(*attempt, origin);
    if (!tries)
        return tries.error();
    std::optional<LockoutTicket> ticket;
    if (m_lockout) {
        Result<LockoutTicket> taken = m_lockout->begin(attempt->email);
        if (!taken)
            return taken.error();
        ticket = *taken;
        if (ticket->locked) {
            m_mfa.recordFailure(attempt->userId, u"locked"_s, origin);
            return wrongCode();
        }
    }
    Result<std::optional<QString>> method = m_mfa.verify(attempt->userId, factor, origin);
    if (!method)
        return method.error();
    if (!method->has_value()) {
        if (ticket) {
            if (Result<void> counted = m_lockout->recordFailure(*ticket, attempt->userId, origin); !counted)
                Log::error(u"mfa"_s, u"failed second factor not counted for lockout"_s,
                           {{u"error"_s, counted.error().message}});
        }
        killIfSpent(*attempt, *tries);
        return wrongCode();
    }
    if (Result<void> spent = spend(*attempt); !spent)
        return spent.error();
    if (ticket) {
        if (Result<void> reset = m_lockout->recordSuccess(*ticket); !reset)
            return reset.error();
    }
    return m_login.finishLogin(attempt->userId, origin, {{u"mfa"_s, **method}});
}

Result<TotpEnrolment> MfaLogin::beginEnrolment(const QString& mfaToken, const RequestOrigin& origin)
{
    Result<Attempt> attempt = open(mfaToken, kEnrol, origin);
    if (!attempt)
        return attempt.error();
    return m_mfa.beginEnrolmentAfterLogin(attempt->userId);
}

Result<EnrolledLogin> MfaLogin::confirmEnrolment(const QString& mfaToken, const QString& code,
                                                 const RequestOrigin& origin)
{
    Result<Attempt> attempt = open(mfaToken, kEnrol, origin);
    if (!attempt)
        return attempt.error();
    Result<qint64> tries = countTry(*attempt, origin);
    if (!tries)
        return tries.error();
    Result<QStringList> codes = m_mfa.confirmEnrolment(attempt->userId, code, origin);
    if (!codes) {
        if (codes.error().code == ErrorCode::ValidationFailed) {
            m_mfa.recordFailure(attempt->userId, u"bad_code"_s, origin);
            killIfSpent(*attempt, *tries);
            return wrongCode();
        }
        return codes.error();
    }
    if (Result<void> spent = spend(*attempt); !spent)
        return spent.error();
    if (m_lockout) {
        LockoutTicket ticket;
        ticket.email = attempt->email;
        if (Result<void> reset = m_lockout->recordSuccess(ticket); !reset)
            return reset.error();
    }
    Result<TokenPair> pair = m_login.finishLogin(attempt->userId, origin, {{u"mfa"_s, u"enrolled"_s}});
    if (!pair)
        return pair.error();
    return EnrolledLogin{*pair, *codes};
}

} // namespace authshield::server
