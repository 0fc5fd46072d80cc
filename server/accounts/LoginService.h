#pragma once

#include "server/audit/AuditEvent.h"
#include "server/core/Config.h"
#include "server/tokens/TokenService.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QString>

namespace authshield::server {

class AccountLockout;
class AuditLog;
class CounterFamily;
class PasswordHasher;
struct LockoutTicket;
class UserRepository;

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

    Result<TokenPair> login(const QString& email, const QByteArray& password, const RequestOrigin& origin);

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
    CounterFamily* m_outcomes = nullptr;

    const UserRepository& m_users;
    const PasswordHasher& m_hasher;
    const AuditLog& m_audit;
    TokenService& m_tokens;
    const PasswordConfig m_passwords;
};

} // namespace authshield::server
