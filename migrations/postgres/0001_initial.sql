-- AuthShield schema 0001 (PostgreSQL). Keep in step with sqlite/0001_initial.sql.
-- Times are BIGINT epoch milliseconds, ids uuid, hashes bytea. Released migrations are never edited.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,                 -- normalised by the application (trimmed, lower-case)
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT,                         -- Argon2id PHC string; NULL for an invited user without one yet
    display_name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT,
    password_changed_at BIGINT NOT NULL
);
CREATE INDEX users_created_at_id_idx ON users (created_at, id);
CREATE INDEX users_status_created_at_idx ON users (status, created_at, id);

CREATE TABLE roles (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    builtin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE permissions (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE role_permissions (
    role TEXT NOT NULL REFERENCES roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
    permission TEXT NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    PRIMARY KEY (role, permission)
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL REFERENCES roles (name) ON UPDATE CASCADE,
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role_idx ON user_roles (role, user_id);

INSERT INTO permissions (name, description) VALUES
    ('users.read', 'List and view user accounts'),
    ('users.write', 'Create, edit, disable, unlock and delete user accounts'),
    ('sessions.read', 'List and view sessions'),
    ('sessions.revoke', 'Revoke sessions'),
    ('roles.read', 'List roles and permissions'),
    ('roles.write', 'Create, edit and delete roles'),
    ('audit.read', 'Search, export and verify the audit log'),
    ('settings.read', 'View server settings'),
    ('settings.write', 'Change server settings'),
    ('keys.read', 'View signing keys'),
    ('keys.rotate', 'Rotate signing keys'),
    ('stats.read', 'View dashboard statistics');

INSERT INTO roles (name, description, builtin, created_at) VALUES
    ('user', 'Every registered account', TRUE, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT),
    ('auditor', 'Read-only access to the admin API', TRUE, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT),
    ('admin', 'Full access to the admin API', TRUE, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT);

INSERT INTO role_permissions (role, permission)
SELECT 'auditor', name FROM permissions
WHERE name IN ('users.read', 'sessions.read', 'roles.read', 'audit.read', 'settings.read', 'keys.read', 'stats.read');

INSERT INTO role_permissions (role, permission)
SELECT 'admin', name FROM permissions;

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '',
    revoked_at BIGINT,
    revoke_reason TEXT
);
CREATE INDEX sessions_user_revoked_idx ON sessions (user_id, revoked_at);
CREATE INDEX sessions_created_at_id_idx ON sessions (created_at, id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,           -- SHA-256 of the opaque token
    parent_id uuid,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE account_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email', 'invite')),
    token_hash BYTEA NOT NULL UNIQUE,
    new_email TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX account_tokens_user_purpose_idx ON account_tokens (user_id, purpose);

-- No foreign keys: audit rows outlive the accounts they mention. seq is assigned by the audit service.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    time BIGINT NOT NULL,
    type TEXT NOT NULL,
    actor_id TEXT,
    subject_id TEXT,
    ip TEXT,
    user_agent TEXT,
    request_id TEXT,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',         -- JSON object
    prev_hash TEXT NOT NULL,                    -- lower-case hex SHA-256
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_time_idx ON audit_events (time, seq);
CREATE INDEX audit_events_type_idx ON audit_events (type, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, seq);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,                        -- JSON
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);

CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY,
    created_at BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    template TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by TEXT,
    last_error TEXT,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_status_next_idx ON mail_outbox (status, next_attempt_at);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_key BYTEA NOT NULL,                 -- encrypted with the server's secrets key
    public_jwk TEXT NOT NULL,                   -- JSON
    created_at BIGINT NOT NULL,
    activated_at BIGINT,
    retired_at BIGINT,
    expires_at BIGINT
);
