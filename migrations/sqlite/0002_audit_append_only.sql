-- audit_events is insert-only. UPDATE is always refused; DELETE only while the retention prune holds a row in
-- audit_prune_gate, which AuditLog::prune inserts and removes inside its own write transaction (SQLite has one
-- writer, so no other connection can see it).
CREATE TABLE audit_prune_gate (
    active INTEGER PRIMARY KEY CHECK (active = 1)
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused');
END;
