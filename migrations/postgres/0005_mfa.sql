-- AuthShield schema 0005 (PostgreSQL): TOTP multi-factor authentication. Keep in step with sqlite/0005_mfa.sql.

-- One TOTP authenticator per user. A row with enabled = FALSE is an enrolment awaiting its first code; a new
-- enrolment replaces it. The secret is sealed with SecretBox, its associated data naming the user.
CREATE TABLE mfa_totp (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed BYTEA NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    enrolled_at BIGINT,
    last_used_step BIGINT                      -- latest accepted time step: a code is never accepted twice
);

-- Single-use recovery codes, stored as keyed hashes (the codes are random, so a fast hash suffices).
CREATE TABLE mfa_recovery_codes (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id, used_at);
