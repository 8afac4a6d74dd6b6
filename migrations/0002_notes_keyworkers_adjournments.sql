-- Case notes (a follow-up after missed appointments is a session or a note), the dated history
-- of keyworker changes, and adjourned hearings that keep their history.

CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    written_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', written_at) IS written_at),
    kind TEXT NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'dna_follow_up')),
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX case_notes_client ON case_notes (client_id, written_at);

CREATE TABLE keyworker_changes (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    changed_on TEXT NOT NULL CHECK (date(changed_on) IS changed_on),
    from_keyworker TEXT,
    to_keyworker TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX keyworker_changes_client ON keyworker_changes (client_id, changed_on);

ALTER TABLE court_dates ADD COLUMN adjourned_from_id INTEGER REFERENCES court_dates (id) ON DELETE SET NULL;

