-- AuthShield schema 0003 (SQLite): indexes for the admin API's searches and listings.
-- Keep in step with postgres/0003_admin_indexes.sql. SQLite has no trigram index: a substring search (q) scans
-- the users in the listing's order and stops once a page is full, which is fast for common matches and bounded by
-- the table size for rare ones (the PostgreSQL deployment is the one for very large sites).
CREATE INDEX users_email_id_idx ON users (email, id);
CREATE INDEX users_verified_created_at_idx ON users (email_verified, created_at, id);

CREATE INDEX sessions_user_created_at_idx ON sessions (user_id, created_at, id);

CREATE INDEX audit_events_ip_idx ON audit_events (ip, seq);
CREATE INDEX audit_events_type_time_idx ON audit_events (type, time);
