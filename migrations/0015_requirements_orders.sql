-- Legal requirements and community orders as records (DOMAIN.md "Legal requirements" and
-- "Community orders with treatment requirements"). Each episode's v1 `legal_requirement` becomes a
-- requirement from its referral to its discharge, with `notify_agency` as the agency when it names
-- one of the four agencies and as the contact otherwise; the episode fields then go.

CREATE TABLE requirements (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    requirement TEXT NOT NULL CHECK (requirement IN
        ('required_assessment', 'rob', 'drr', 'atr', 'licence', 'mhtr', 'iom')),
    start_date TEXT NOT NULL CHECK (date(start_date) IS start_date),
    end_date TEXT CHECK (end_date IS NULL OR (date(end_date) IS end_date AND end_date >= start_date)),
    agency_to_notify TEXT CHECK (agency_to_notify IS NULL OR
        agency_to_notify IN ('police', 'probation', 'court', 'prison')),
    notify_contact TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (client_id, requirement, start_date)
);
CREATE INDEX requirements_start_date ON requirements (start_date);

INSERT INTO requirements (client_id, requirement, start_date, end_date, agency_to_notify, notify_contact)
    SELECT client_id, legal_requirement, referral_date, discharge_date,
           CASE WHEN lower(trim(notify_agency)) IN ('police', 'probation', 'court', 'prison')
                THEN lower(trim(notify_agency)) END,
           CASE WHEN lower(trim(notify_agency)) IN ('police', 'probation', 'court', 'prison') THEN NULL
                ELSE nullif(trim(notify_agency), '') END
    FROM episodes WHERE legal_requirement != 'none'
    ORDER BY id;

DROP INDEX episodes_legal_requirement;
ALTER TABLE episodes DROP COLUMN legal_requirement;
ALTER TABLE episodes DROP COLUMN notify_agency;

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    order_type TEXT NOT NULL CHECK (order_type IN ('drr', 'atr', 'mhtr', 'combined')),
    components TEXT,
    sentence_date TEXT NOT NULL CHECK (date(sentence_date) IS sentence_date),
    court TEXT NOT NULL CHECK (length(trim(court)) > 0),
    length_months INTEGER NOT NULL CHECK (length_months BETWEEN 1 AND 36),
    consent_date TEXT CHECK (consent_date IS NULL OR
        (date(consent_date) IS consent_date AND consent_date <= sentence_date)),
    suitability_assessed_date TEXT CHECK (suitability_assessed_date IS NULL OR
        (date(suitability_assessed_date) IS suitability_assessed_date
         AND suitability_assessed_date <= sentence_date)),
    treatment_start_date TEXT CHECK (treatment_start_date IS NULL OR
        (date(treatment_start_date) IS treatment_start_date AND treatment_start_date >= sentence_date)),
    review_frequency TEXT CHECK (review_frequency IS NULL OR review_frequency IN ('none', 'monthly', 'other')),
    outcome TEXT CHECK (outcome IS NULL OR outcome IN
        ('completed', 'revoked_good_progress', 'revoked_breach', 'resentenced', 'further_offence_custody',
         'expired', 'died', 'transferred')),
    outcome_date TEXT CHECK (outcome_date IS NULL OR
        (date(outcome_date) IS outcome_date AND outcome_date >= sentence_date)),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK ((outcome IS NULL) = (outcome_date IS NULL)),
    CHECK ((order_type = 'combined') = (components IS NOT NULL)),
    UNIQUE (client_id, sentence_date)
);
CREATE INDEX orders_running ON orders (sentence_date) WHERE outcome IS NULL;

-- An event names its order by the client and sentence date (the import's key); correcting the
-- sentence date carries the events with it.
CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    sentence_date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN
        ('test', 'review', 'warning', 'breach_laid', 'breach_outcome', 'progress_report_sent')),
    event_date TEXT NOT NULL CHECK (date(event_date) IS event_date AND event_date >= sentence_date),
    result TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    FOREIGN KEY (client_id, sentence_date) REFERENCES orders (client_id, sentence_date)
        ON UPDATE CASCADE ON DELETE CASCADE,
    UNIQUE (client_id, sentence_date, kind, event_date)
);
