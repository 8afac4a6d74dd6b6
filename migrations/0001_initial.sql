-- The first schema: every entity of DOMAIN.md with its code lists and ranges as CHECKs.
-- Dates are ISO text; `date(x) IS x` rejects '1985-3-14', which `x = date(x)` would let through.

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL UNIQUE CHECK (length(trim(client_ref)) > 0),
    first_name TEXT NOT NULL CHECK (length(trim(first_name)) > 0),
    last_name TEXT NOT NULL CHECK (length(trim(last_name)) > 0),
    preferred_name TEXT,
    date_of_birth TEXT NOT NULL CHECK (date(date_of_birth) IS date_of_birth),
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female', 'other', 'not_stated')),
    ethnicity TEXT NOT NULL CHECK (ethnicity IN
        ('A','B','C','D','E','F','G','H','J','K','L','M','N','P','R','S','Z')),
    postcode TEXT,
    phone TEXT,
    keyworker TEXT,
    risk_flags TEXT NOT NULL DEFAULT '',
    consent_to_share TEXT CHECK (consent_to_share IN ('yes', 'no')),
    consent_date TEXT CHECK (consent_date IS NULL OR date(consent_date) IS consent_date),
    notes TEXT,
    prison TEXT,
    prison_number TEXT,
    pnc_id TEXT,
    probation_ref TEXT,
    nhs_number TEXT,
    offender_manager_name TEXT,
    offender_manager_phone TEXT,
    offender_manager_email TEXT,
    address TEXT,
    no_fixed_abode INTEGER NOT NULL DEFAULT 0 CHECK (no_fixed_abode IN (0, 1)),
    alt_contact TEXT,
    aliases TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX clients_keyworker ON clients (keyworker);
CREATE INDEX clients_date_of_birth ON clients (date_of_birth);
CREATE INDEX clients_prison_number ON clients (prison_number);
CREATE INDEX clients_probation_ref ON clients (probation_ref);

CREATE TABLE episodes (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    referral_date TEXT NOT NULL CHECK (date(referral_date) IS referral_date),
    referral_source TEXT NOT NULL CHECK (referral_source IN
        ('self', 'family_friends', 'gp', 'health_other', 'arrest_referral', 'liaison_diversion',
         'court', 'probation', 'prison', 'drr', 'atr', 'police_diversion', 'other_cj',
         'drug_service', 'other')),
    pathway TEXT NOT NULL CHECK (pathway IN
        ('arrest_referral', 'restriction_on_bail', 'court', 'prison_link', 'drr', 'atr', 'iom',
         'community')),
    primary_substance TEXT NOT NULL CHECK (primary_substance IN
        ('heroin', 'other_opiates', 'crack', 'cocaine', 'amphetamines', 'cannabis',
         'benzodiazepines', 'alcohol', 'other')),
    start_date TEXT CHECK (start_date IS NULL OR
        (date(start_date) IS start_date AND start_date >= referral_date)),
    discharge_date TEXT CHECK (discharge_date IS NULL OR
        (date(discharge_date) IS discharge_date AND discharge_date >= referral_date
         AND (start_date IS NULL OR discharge_date >= start_date))),
    discharge_reason TEXT CHECK (discharge_reason IS NULL OR discharge_reason IN
        ('completed_drug_free', 'completed_alcohol_free', 'completed_occasional_user',
         'transferred_community', 'transferred_custody', 'dropped_out', 'withdrawn_by_provider',
         'retained_in_custody', 'declined_treatment', 'died')),
    prison_release_date TEXT CHECK (prison_release_date IS NULL OR
        date(prison_release_date) IS prison_release_date),
    order_start TEXT CHECK (order_start IS NULL OR date(order_start) IS order_start),
    order_end TEXT CHECK (order_end IS NULL OR
        (date(order_end) IS order_end AND (order_start IS NULL OR order_end >= order_start))),
    transferred_to TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK ((discharge_date IS NULL) = (discharge_reason IS NULL)),
    UNIQUE (client_id, referral_date)
);
-- At most one open episode per client, enforced by the database as well as the services.
CREATE UNIQUE INDEX episodes_one_open ON episodes (client_id) WHERE discharge_date IS NULL;
CREATE INDEX episodes_referral_date ON episodes (referral_date);
CREATE INDEX episodes_start_date ON episodes (start_date);
CREATE INDEX episodes_discharge_date ON episodes (discharge_date);
CREATE INDEX episodes_prison_release_date ON episodes (prison_release_date);
CREATE INDEX episodes_order_end ON episodes (order_end);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', starts_at) IS starts_at),
    kind TEXT NOT NULL CHECK (kind IN
        ('assessment', 'keywork', 'group', 'phone', 'court_support', 'prison_visit',
         'gate_pickup', 'review')),
    status TEXT NOT NULL CHECK (status IN
        ('scheduled', 'attended', 'dna', 'cancelled_client', 'cancelled_service')),
    duration_minutes INTEGER CHECK (duration_minutes IS NULL OR
        (duration_minutes BETWEEN 0 AND 1440)),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, starts_at, kind)
);
CREATE INDEX sessions_starts_at ON sessions (starts_at);
CREATE INDEX sessions_client_status ON sessions (client_id, status, starts_at);

CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    domain TEXT NOT NULL CHECK (domain IN
        ('substance_use', 'offending', 'housing', 'physical_health', 'mental_health',
         'family_relationships', 'education_training_employment', 'finance_benefits')),
    description TEXT NOT NULL CHECK (length(trim(description)) > 0),
    set_date TEXT NOT NULL CHECK (date(set_date) IS set_date),
    review_date TEXT CHECK (review_date IS NULL OR date(review_date) IS review_date),
    status TEXT NOT NULL CHECK (status IN
        ('open', 'achieved', 'partly_achieved', 'not_achieved', 'withdrawn')),
    closed_date TEXT CHECK (closed_date IS NULL OR
        (date(closed_date) IS closed_date AND closed_date >= set_date)),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK ((status = 'open') = (closed_date IS NULL)),
    UNIQUE (client_id, domain, set_date, description)
);
CREATE INDEX goals_review_date ON goals (review_date) WHERE status = 'open';
CREATE INDEX goals_set_date ON goals (set_date);
CREATE INDEX goals_closed_date ON goals (closed_date);

-- A review of a goal: when it was looked at, what was said, and when to look again.
CREATE TABLE goal_reviews (
    id INTEGER PRIMARY KEY,
    goal_id INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL CHECK (date(reviewed_on) IS reviewed_on),
    note TEXT NOT NULL,
    next_review_date TEXT CHECK (next_review_date IS NULL OR
        date(next_review_date) IS next_review_date),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX goal_reviews_goal ON goal_reviews (goal_id);

CREATE TABLE court_dates (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    hearing_at TEXT NOT NULL CHECK (strftime('%Y-%m-%d %H:%M', hearing_at) IS hearing_at),
    court TEXT NOT NULL CHECK (length(trim(court)) > 0),
    hearing_type TEXT NOT NULL CHECK (hearing_type IN
        ('first_appearance', 'bail', 'plea', 'trial', 'sentencing', 'review', 'breach',
         'appeal', 'other')),
    outcome TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, hearing_at)
);
CREATE INDEX court_dates_hearing_at ON court_dates (hearing_at);

CREATE TABLE tops (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    top_date TEXT NOT NULL CHECK (date(top_date) IS top_date),
    stage TEXT NOT NULL CHECK (stage IN ('start', 'review', 'exit')),
    alcohol_days INTEGER NOT NULL CHECK (alcohol_days BETWEEN 0 AND 28),
    opiates_days INTEGER NOT NULL CHECK (opiates_days BETWEEN 0 AND 28),
    crack_days INTEGER NOT NULL CHECK (crack_days BETWEEN 0 AND 28),
    cocaine_days INTEGER NOT NULL CHECK (cocaine_days BETWEEN 0 AND 28),
    amphetamines_days INTEGER NOT NULL CHECK (amphetamines_days BETWEEN 0 AND 28),
    cannabis_days INTEGER NOT NULL CHECK (cannabis_days BETWEEN 0 AND 28),
    other_drug_days INTEGER NOT NULL CHECK (other_drug_days BETWEEN 0 AND 28),
    injecting_days INTEGER NOT NULL CHECK (injecting_days BETWEEN 0 AND 28),
    shoplifting_days INTEGER NOT NULL CHECK (shoplifting_days BETWEEN 0 AND 28),
    drug_selling_days INTEGER NOT NULL CHECK (drug_selling_days BETWEEN 0 AND 28),
    other_theft_days INTEGER NOT NULL CHECK (other_theft_days BETWEEN 0 AND 28),
    assault TEXT NOT NULL CHECK (assault IN ('yes', 'no')),
    psych_health INTEGER NOT NULL CHECK (psych_health BETWEEN 0 AND 20),
    phys_health INTEGER NOT NULL CHECK (phys_health BETWEEN 0 AND 20),
    quality_of_life INTEGER NOT NULL CHECK (quality_of_life BETWEEN 0 AND 20),
    acute_housing_problem TEXT NOT NULL CHECK (acute_housing_problem IN ('yes', 'no')),
    paid_work_days INTEGER NOT NULL CHECK (paid_work_days BETWEEN 0 AND 28),
    education_days INTEGER NOT NULL CHECK (education_days BETWEEN 0 AND 28),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, top_date, stage)
);
CREATE INDEX tops_top_date ON tops (top_date);

-- Who did what to which record and when; ids and field names only, never personal values.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    action TEXT NOT NULL CHECK (action IN
        ('create', 'update', 'delete', 'import', 'export', 'demo', 'migrate')),
    entity TEXT NOT NULL,
    record_id INTEGER,
    client_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_client ON audit (client_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Search by name, preferred name, alias or reference; kept in step by triggers.
CREATE VIRTUAL TABLE clients_fts USING fts5 (
    client_ref, first_name, last_name, preferred_name, aliases,
    content = 'clients', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_fts (rowid, client_ref, first_name, last_name, preferred_name, aliases)
    VALUES (new.id, new.client_ref, new.first_name, new.last_name, new.preferred_name, new.aliases);
END;
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_fts (clients_fts, rowid, client_ref, first_name, last_name,
                             preferred_name, aliases)
    VALUES ('delete', old.id, old.client_ref, old.first_name, old.last_name, old.preferred_name,
            old.aliases);
END;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF client_ref, first_name, last_name,
        preferred_name, aliases ON clients BEGIN
    INSERT INTO clients_fts (clients_fts, rowid, client_ref, first_name, last_name,
                             preferred_name, aliases)
    VALUES ('delete', old.id, old.client_ref, old.first_name, old.last_name, old.preferred_name,
            old.aliases);
    INSERT INTO clients_fts (rowid, client_ref, first_name, last_name, preferred_name, aliases)
    VALUES (new.id, new.client_ref, new.first_name, new.last_name, new.preferred_name, new.aliases);
END;
