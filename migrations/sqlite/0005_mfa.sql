-- AuthShield schema 0005 (SQLite): TOTP multi-factor authentication. Keep in step with postgres/0005_mfa.sql.

-- One TOTP authenticator per user. A row with enabled = 0 is an enrolment awaiting its first code; a new
-- enrolment replaces it. The secret is sealed with SecretBox, its associated data naming the user.
CREATE TABLE mfa_totp (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed BLOB NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    enrolled_at INTEGER,
    last_used_step INTEGER                     -- latest accepted time step: a code is never accepted twice
);

-- Single-use recovery codes, stored as keyed hashes (the codes are random, so a fast hash suffices).
CREATE TABLE mfa_recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id, used_at);
