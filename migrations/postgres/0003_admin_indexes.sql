-- AuthShield schema 0003 (PostgreSQL): indexes for the admin API's searches and listings.
-- Keep in step with sqlite/0003_admin_indexes.sql.
--
-- Substring search (q) uses trigram GIN indexes. pg_trgm ships with Debian's postgresql-contrib (in the
-- postgresql-15 package itself on Debian 12) and is a trusted extension since PostgreSQL 13, so a database owner
-- without superuser rights may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) gin_trgm_ops);
CREATE INDEX users_display_name_trgm_idx ON users USING gin (lower(display_name) gin_trgm_ops);
-- Keyset paging sorted by email, and the unverified filter in creation order.
CREATE INDEX users_email_id_idx ON users (email, id);
CREATE INDEX users_verified_created_at_idx ON users (email_verified, created_at, id);

CREATE INDEX sessions_user_created_at_idx ON sessions (user_id, created_at, id);

-- Audit filters by ip, and the dashboard's per-hour login counts (type + time range).
CREATE INDEX audit_events_ip_idx ON audit_events (ip, seq);
CREATE INDEX audit_events_type_time_idx ON audit_events (type, time);
