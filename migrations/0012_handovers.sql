-- Several keyworkers, one organisation: a client handed over to a colleague's caseload leaves a
-- handover record here (reference, when, to whom); the audit rows that come with a received client,
-- or with each caseload combined into an organisation's file, are kept as they were written,
-- grouped by where they came from, so each group stays verifiable against its own seals.

CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL CHECK (length(trim(client_ref)) > 0),
    handed_over_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M:%S', handed_over_at) IS handed_over_at),
    to_whom TEXT,
    handover_uid TEXT NOT NULL UNIQUE,
    returned_at TEXT CHECK (returned_at IS NULL OR strftime('%Y-%m-%d %H:%M:%S', returned_at) IS returned_at)
);
CREATE INDEX handovers_client_ref ON handovers (client_ref);

-- Where a group of carried audit rows came from: a handover file (one client's rows of the sending
-- caseload's chain) or a caseload combined into this file (its whole chain, with its anchor).
CREATE TABLE audit_sources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('handover', 'combine')),
    label TEXT NOT NULL,
    handover_uid TEXT,
    anchor TEXT,
    row_count INTEGER NOT NULL CHECK (row_count >= 0),
    digest TEXT NOT NULL,
    carried_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    client_id INTEGER
);
CREATE INDEX audit_sources_client ON audit_sources (client_id);

CREATE TABLE audit_carried (
    source_id INTEGER NOT NULL REFERENCES audit_sources (id),
    id INTEGER NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id INTEGER,
    client_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT,
    hash TEXT,
    PRIMARY KEY (source_id, id)
);

CREATE TRIGGER audit_carried_no_update BEFORE UPDATE ON audit_carried
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_carried_no_delete BEFORE DELETE ON audit_carried
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
