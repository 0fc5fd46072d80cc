#pragma once

#include "server/accounts/LoginService.h"
#include "server/mfa/TotpEnrolment.h"

#include <chrono>

namespace authshield::server {

class AccountLockout;
class Clock;
class KeyValueStore;
class MfaPolicy;
class MfaRepository;
class MfaService;
class UserRepository;

struct EnrolledLogin
{
    TokenPair tokens;
    QStringList recoveryCodes;
};

// The login's second step. After the right password, a user with TOTP gets an mfa_token for /auth/mfa/verify;
// a user of a role that requires MFA but without TOTP gets one that only allows enrolment (/auth/mfa/enrol and
// …/enrol/confirm). The token is 256 random bits, stored hashed in the KeyValueStore (shared by instances) with
// its purpose, user and client IP; it expires after the configured TTL, dies after kMaxTries wrong codes and is
// spent by the first success (an atomic delete, so two racing requests cannot both win).
// Wrong codes count toward the account lockout, whose count the password step left standing.
class MfaLogin final : public SecondFactorGate
{
public:
    static constexpr int kMaxTries = 5;

    MfaLogin(MfaService& mfa, const MfaRepository& repository, const MfaPolicy& policy, const UserRepository& users,
             KeyValueStore& store, LoginService& login, std::chrono::seconds tokenTtl);

    void setLockout(AccountLockout* lockout) { m_lockout = lockout; }

    Result<std::optional<MfaChallenge>> challenge(const User& user, const RequestOrigin& origin) override;

    // Errors: InvalidToken (unknown, expired, spent, other IP, wrong purpose, too many tries), InvalidCredentials
    // (wrong or replayed code, locked account — indistinguishable).
    Result<TokenPair> verify(const QString& mfaToken, const SecondFactor& factor, const RequestOrigin& origin);
    Result<TotpEnrolment> beginEnrolment(const QString& mfaToken, const RequestOrigin& origin);
    Result<EnrolledLogin> confirmEnrolment(const QString& mfaToken, const QString& code, const RequestOrigin& origin);

    static QByteArray tokenKey(const QString& mfaToken);

private:
    struct Attempt
    {
        QString userId;
        QString email;
        QByteArray key;
    };
    Result<Attempt> open(const QString& mfaToken, const QByteArray& purpose, const RequestOrigin& origin);
    // Counts a try against the token; InvalidToken (and the token deleted) past kMaxTries.
    Result<qint64> countTry(const Attempt& attempt, const RequestOrigin& origin);
    void killIfSpent(const Attempt& attempt, qint64 tries);
    Result<void> spend(const Attempt& attempt);

    MfaService& m_mfa;
    const MfaRepository& m_repository;
    const MfaPolicy& m_policy;
    const UserRepository& m_users;
    KeyValueStore& m_store;
    LoginService& m_login;
    const std::chrono::seconds m_tokenTtl;
    AccountLockout* m_lockout = nullptr;
};

} // namespace authshield::server
