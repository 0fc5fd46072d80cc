#pragma once

#include "server/audit/AuditEvent.h"
#include "server/core/Config.h"
#include "server/tokens/TokenService.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace authshield::server {

class AccountLockout;
class AuditLog;
class CounterFamily;
class PasswordHasher;
struct LockoutTicket;
class UserRepository;
struct User;

// A login whose password was right but that needs a second factor first: the client continues with the opaque
// token at POST /auth/mfa/verify (or, when enrolmentRequired, /auth/mfa/enrol).
struct MfaChallenge
{
    bool enrolmentRequired = false;
    QString token;
    qint64 expiresIn = 0; // seconds
};

// Decides, once the password is proven, whether the login needs a second factor (implemented by server/mfa).
class SecondFactorGate
{
public:
    virtual ~SecondFactorGate() = default;
    virtual Result<std::optional<MfaChallenge>> challenge(const User& user, const RequestOrigin& origin) = 0;
};

// Tokens, or the challenge to answer first.
struct LoginOutcome
{
    std::optional<TokenPair> tokens;
    std::optional<MfaChallenge> challenge;
};

// POST /auth/login: email + password → a new session's token pair. Every refusal that could tell whether an
// account exists (unknown email, wrong password, disabled, over-long password) answers the same
// InvalidCredentials after the same Argon2 cost; only the right password of an unverified address answers
// EmailNotVerified. Every outcome is audited with its real reason (never returned to the client).
// Blocking (Argon2): call it on the slow pool.
class LoginService
{
public:
    LoginService(const UserRepository& users, const PasswordHasher& hasher, const AuditLog& audit, TokenService& tokens,
                 const PasswordConfig& passwords);

    // With a second-factor gate set, a right password may answer a challenge instead of tokens.
    Result<LoginOutcome> signIn(const QString& email, const QByteArray& password, const RequestOrigin& origin);
    // signIn for callers without a second factor: a challenge is refused as Forbidden.
    Result<TokenPair> login(const QString& email, const QByteArray& password, const RequestOrigin& origin);
    // The end of every successful login (also after the second factor): session, last login, audit
    // auth.login.succeeded (details merged into the event's), metrics.
    Result<TokenPair> finishLogin(const QString& userId, const RequestOrigin& origin, const QJsonObject& details = {});

    // Second factor (optional). While a challenge is open the lockout's failure count is not reset: the
    // second factor's failures keep counting toward the same lock until it succeeds.
    void setSecondFactorGate(SecondFactorGate* gate) { m_secondFactor = gate; }

    // Account lockout (optional): every attempt takes a ticket first; a locked account is refused like a wrong
    // password (audit reason "locked") after the same Argon2 cost; every refusal counts; a right password resets.
    void setLockout(AccountLockout* lockout) { m_lockout = lockout; }
    // Login outcomes by reason (metrics; optional).
    void setOutcomeCounter(CounterFamily* counter) { m_outcomes = counter; }

private:
    // The single exit for a refused attempt, so lockout and per-account throttling can hook in here.
    Error refuse(const QString& reason, const QString& email, const QString& userId, const RequestOrigin& origin,
                 const LockoutTicket* ticket = nullptr);
    void count(const QString& outcome, const QString& reason);

    AccountLockout* m_lockout = nullptr;
    SecondFactorGate* m_secondFactor = nullptr;
    CounterFamily* m_outcomes = nullptr;

    const UserRepository& m_users;
    const PasswordHasher& m_hasher;
    const AuditLog& m_audit;
    TokenService& m_tokens;
    const PasswordConfig m_passwords;
};

} // namespace authshield::server
