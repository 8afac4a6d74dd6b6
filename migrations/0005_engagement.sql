-- Keeping people engaged: the compliance checklist of barriers to attending, who attended a
-- session (staff and peer mentor), absences that must be reported, and information sharing.

CREATE TABLE barriers (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    barrier TEXT NOT NULL CHECK (barrier IN
        ('appointment_timing', 'family_commitments', 'medical', 'childcare', 'travel', 'literacy_language')),
    note TEXT,
    plan TEXT,
    unavailable TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, barrier)
);

ALTER TABLE sessions ADD COLUMN staff TEXT;
ALTER TABLE sessions ADD COLUMN peer_mentor TEXT;
ALTER TABLE sessions ADD COLUMN dna_reason TEXT;
ALTER TABLE sessions ADD COLUMN notified_at TEXT
    CHECK (notified_at IS NULL OR strftime('%Y-%m-%d %H:%M', notified_at) IS notified_at);
CREATE INDEX sessions_peer_mentor ON sessions (peer_mentor) WHERE peer_mentor IS NOT NULL;

ALTER TABLE episodes ADD COLUMN legal_requirement TEXT NOT NULL DEFAULT 'none'
    CHECK (legal_requirement IN ('required_assessment', 'rob', 'drr', 'atr', 'licence', 'none'));
ALTER TABLE episodes ADD COLUMN notify_agency TEXT;

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    agency TEXT NOT NULL CHECK (length(trim(agency)) > 0),
    purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
    lawful_basis TEXT NOT NULL DEFAULT 'consent'
        CHECK (lawful_basis IN ('consent', 'court_order', 'safeguarding', 'vital_interests')),
    given_date TEXT NOT NULL CHECK (date(given_date) IS given_date),
    expires_date TEXT CHECK (expires_date IS NULL OR date(expires_date) IS expires_date),
    withdrawn_date TEXT CHECK (withdrawn_date IS NULL OR date(withdrawn_date) IS withdrawn_date),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, agency, purpose, given_date)
);
CREATE INDEX consents_client ON consents (client_id);

CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    disclosed_on TEXT NOT NULL CHECK (date(disclosed_on) IS disclosed_on),
    to_whom TEXT NOT NULL CHECK (length(trim(to_whom)) > 0),
    what TEXT NOT NULL CHECK (length(trim(what)) > 0),
    basis TEXT NOT NULL CHECK (basis IN ('consent', 'court_order', 'safeguarding', 'vital_interests')),
    by_whom TEXT NOT NULL CHECK (length(trim(by_whom)) > 0),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX disclosures_client ON disclosures (client_id);

-- The action list looks for appointments still marked scheduled and for reportable absences;
-- these indexes keep both quick on a large history.
CREATE INDEX sessions_scheduled ON sessions (starts_at) WHERE status = 'scheduled';
CREATE INDEX episodes_legal_requirement ON episodes (client_id) WHERE legal_requirement != 'none';
