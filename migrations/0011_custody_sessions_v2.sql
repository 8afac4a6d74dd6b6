-- Sessions v2 and custody events (DOMAIN.md "Sessions v2: appointments and contacts", "Custody
-- events"). A session is now an appointment or a contact that is not one (attempted contact, text
-- message, letter, professional contact); appointments gain the statuses of what really happens
-- (left early, in custody, in hospital, prison regime cancelled); `absence` holds the responsible
-- officer's decision on a missed appointment and `requirement` the legal stage an assessment is
-- (RA or RoB). SQLite cannot widen a CHECK in place, so the table is rebuilt with the same rows and
-- indexes. Every v1 row is valid under the new checks, so nothing is lost or changed.

CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', starts_at) IS starts_at),
    kind TEXT NOT NULL CHECK (kind IN
        ('assessment', 'keywork', 'group', 'phone', 'court_support', 'prison_visit',
         'gate_pickup', 'review',
         'attempted_contact', 'text_message', 'letter', 'professional_contact')),
    status TEXT NOT NULL CHECK (status IN
        ('scheduled', 'attended', 'dna', 'cancelled_client', 'cancelled_service', 'rearranged',
         'attended_left_early', 'client_in_custody', 'client_in_hospital', 'prison_regime_cancelled')),
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
    absence TEXT CHECK (absence IS NULL OR
        (absence IN ('acceptable', 'unacceptable') AND status IN ('dna', 'attended_left_early'))),
    requirement TEXT CHECK (requirement IS NULL OR
        (requirement IN ('ra_initial', 'ra_followup', 'rob_assessment', 'rob_followup')
         AND kind = 'assessment')),
    -- A contact is made or still to be made; nothing else happens to it.
    CHECK (kind IN ('assessment', 'keywork', 'group', 'phone', 'court_support', 'prison_visit',
                    'gate_pickup', 'review') OR status IN ('scheduled', 'attended')),
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
-- Absences to report now include leaving early; RA and RoB stages are looked up by client.
CREATE INDEX sessions_left_early ON sessions (starts_at, client_id) WHERE status = 'attended_left_early';
CREATE INDEX sessions_requirement ON sessions (client_id, starts_at) WHERE requirement IS NOT NULL;

-- One arrest seen by the arrest-referral worker: the test on arrest, its result and the Required
-- Assessment that may follow. Yes/no columns store `no` for an empty cell.
CREATE TABLE custody_events (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    arrested_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', arrested_at) IS arrested_at),
    custody_suite TEXT NOT NULL CHECK (length(trim(custody_suite)) > 0),
    offence TEXT CHECK (offence IS NULL OR offence IN ('trigger', 'non_trigger_inspector_authority')),
    test_at TEXT CHECK (test_at IS NULL OR strftime('%Y-%m-%d %H:%M', test_at) IS test_at),
    test_result TEXT NOT NULL CHECK (test_result IN ('positive', 'negative', 'refused', 'not_tested')),
    substances_positive TEXT,
    disputed TEXT NOT NULL DEFAULT 'no' CHECK (disputed IN ('yes', 'no')),
    confirmatory_result TEXT CHECK (confirmatory_result IS NULL OR
        confirmatory_result IN ('confirmed', 'not_confirmed')),
    ra_imposed TEXT NOT NULL DEFAULT 'no' CHECK (ra_imposed IN ('yes', 'no')),
    ra_followup_required TEXT NOT NULL DEFAULT 'no' CHECK (ra_followup_required IN ('yes', 'no')),
    ra_ceased_date TEXT CHECK (ra_ceased_date IS NULL OR date(ra_ceased_date) IS ra_ceased_date),
    assessment_outcome TEXT CHECK (assessment_outcome IS NULL OR assessment_outcome IN
        ('no_need', 'brief_intervention', 'referred_structured', 'already_in_treatment', 'declined')),
    referred_to TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, arrested_at)
);
CREATE INDEX custody_events_arrested_at ON custody_events (arrested_at);
