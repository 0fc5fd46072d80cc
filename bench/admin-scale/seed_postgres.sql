-- Bulk seed for the admin-scale bench (PostgreSQL): :users accounts and :events audit events, set-based (one
-- INSERT … SELECT generate_series each), not through the API. The audit rows do not form a valid hash chain
-- (the bench never verifies it); everything else is shaped like real data.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
\timing on

INSERT INTO users (id, email, email_verified, password_hash, display_name, status, created_at, updated_at,
                   last_login_at, password_changed_at)
SELECT md5('user' || i)::uuid,
       'user' || i || '@bench.example.com',
       (i % 10) <> 0,
       NULL,
       'Bench User ' || i,
       CASE WHEN i % 50 = 0 THEN 'disabled' ELSE 'active' END,
       :base_ms + i * 1000,
       :base_ms + i * 1000,
       CASE WHEN i % 3 = 0 THEN :base_ms + i * 1000 + 60000 END,
       :base_ms + i * 1000
FROM generate_series(1, :users) AS i;

INSERT INTO user_roles (user_id, role)
SELECT md5('user' || i)::uuid, CASE WHEN i % 1000 = 0 THEN 'auditor' ELSE 'user' END
FROM generate_series(1, :users) AS i;

INSERT INTO audit_events (seq, time, type, actor_id, subject_id, ip, user_agent, request_id, outcome, details,
                          prev_hash, hash)
SELECT s,
       :audit_base_ms + s * 100,
       (ARRAY['auth.login.succeeded', 'auth.login.failed', 'auth.refresh', 'auth.logout', 'auth.register',
              'admin.user.updated', 'auth.session.revoked', 'auth.lockout'])[1 + s % 8],
       md5('user' || (1 + s % :users))::uuid::text,
       md5('user' || (1 + (s * 7) % :users))::uuid::text,
       '10.' || (s % 250) || '.' || ((s / 250) % 250) || '.' || (s % 7),
       'Bench/1.0',
       md5('req' || s),
       CASE WHEN s % 8 = 1 THEN 'failure' ELSE 'success' END,
       '{"bench":true}',
       repeat('0', 64),
       md5('h' || s) || md5('h2' || s)
FROM generate_series(1, :events) AS s;

ANALYZE users;
ANALYZE user_roles;
ANALYZE audit_events;
