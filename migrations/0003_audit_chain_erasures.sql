-- The audit log becomes append-only and hash-chained (each row carries the hash of the one
-- before), with actions for erasure and backups; erasures leave a tombstone with no personal data.

CREATE TABLE audit_chained (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    action TEXT NOT NULL CHECK (action IN
        ('create', 'update', 'delete', 'import', 'export', 'demo', 'migrate', 'erase', 'restore')),
    entity TEXT NOT NULL,
    record_id INTEGER,
    client_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT,
    hash TEXT
);
INSERT INTO audit_chained (id, at, action, entity, record_id, client_id, detail)
    SELECT id, at, action, entity, record_id, client_id, detail FROM audit ORDER BY id;
DROP TABLE audit;
ALTER TABLE audit_chained RENAME TO audit;
CREATE INDEX audit_client ON audit (client_id);

-- Rows are sealed (given their hash) once, by the program; after that nothing may change them.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN old.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    erased_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    pseudonym TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL CHECK (reason IN ('request', 'retention'))
);
