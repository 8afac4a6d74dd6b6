-- An appointment moved by agreement before its time (a Required Assessment's RA2, or a Restriction
-- on Bail assessment moved) is kept as `rearranged`, and the new time is a new session
-- (DOMAIN.md, contacts). SQLite cannot widen a CHECK in place, so the table is rebuilt with the
-- same columns, rows and indexes.

CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', starts_at) IS starts_at),
    kind TEXT NOT NULL CHECK (kind IN
        ('assessment', 'keywork', 'group', 'phone', 'court_support', 'prison_visit',
         'gate_pickup', 'review')),
    status TEXT NOT NULL CHECK (status IN
        ('scheduled', 'attended', 'dna', 'cancelled_client', 'cancelled_service', 'rearranged')),
    duration_minutes INTEGER CHECK (duration_minutes IS NULL OR
        (duration_minutes BETWEEN 0 AND 1440)),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    staff TEXT,
    peer_mentor TEXT,
    dna_reason TEXT,
    notified_at TEXT
        CHECK (notified_at IS NULL OR strftime('%Y-%m-%d %H:%M', notified_at) IS notified_at),
    UNIQUE (client_id, starts_at, kind)
);

INSERT INTO sessions_new (id, client_id, starts_at, kind, status, duration_minutes, notes, created_at,
                          updated_at, staff, peer_mentor, dna_reason, notified_at)
    SELECT id, client_id, starts_at, kind, status, duration_minutes, notes, created_at,
           updated_at, staff, peer_mentor, dna_reason, notified_at
    FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

CREATE INDEX sessions_starts_at ON sessions (starts_at);
CREATE INDEX sessions_client_status ON sessions (client_id, status, starts_at);
CREATE INDEX sessions_peer_mentor ON sessions (peer_mentor) WHERE peer_mentor IS NOT NULL;
CREATE INDEX sessions_scheduled ON sessions (starts_at) WHERE status = 'scheduled';
CREATE INDEX sessions_dna ON sessions (starts_at, client_id) WHERE status = 'dna';
