-- Episodes v2 and the clinical records of DOMAIN.md ("Episodes v2", "Interventions, deaths and
-- safeguarding").
--
-- Episodes gain the second and third substances, route, injecting status, units per day, consent
-- to NDTMS and the CJIT contact event; the two CJIT closure reasons widen the discharge reason's
-- CHECK, which SQLite cannot do in place, so the table is rebuilt with the same rows, ids and
-- indexes (foreign keys are off while a migration runs). Every new column is empty: not recorded.

CREATE TABLE episodes_new (
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
         'transferred_community', 'transferred_custody', 'transferred_other_cjit_area',
         'transferred_offender_management', 'dropped_out', 'withdrawn_by_provider',
         'retained_in_custody', 'declined_treatment', 'died')),
    order_start TEXT CHECK (order_start IS NULL OR date(order_start) IS order_start),
    order_end TEXT CHECK (order_end IS NULL OR
        (date(order_end) IS order_end AND (order_start IS NULL OR order_end >= order_start))),
    transferred_to TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    legal_requirement TEXT NOT NULL DEFAULT 'none'
        CHECK (legal_requirement IN ('required_assessment', 'rob', 'drr', 'atr', 'licence', 'none')),
    notify_agency TEXT,
    drug_2 TEXT CHECK (drug_2 IS NULL OR (drug_2 IN
        ('heroin', 'other_opiates', 'crack', 'cocaine', 'amphetamines', 'cannabis',
         'benzodiazepines', 'alcohol', 'other') AND drug_2 != primary_substance)),
    drug_3 TEXT CHECK (drug_3 IS NULL OR (drug_3 IN
        ('heroin', 'other_opiates', 'crack', 'cocaine', 'amphetamines', 'cannabis',
         'benzodiazepines', 'alcohol', 'other') AND drug_2 IS NOT NULL
         AND drug_3 != primary_substance AND drug_3 != drug_2)),
    route TEXT CHECK (route IS NULL OR route IN ('inject', 'sniff', 'smoke', 'oral', 'other', 'not_known')),
    injecting_status TEXT CHECK (injecting_status IS NULL OR injecting_status IN
        ('never', 'previously', 'currently', 'not_known')),
    alcohol_units_per_day INTEGER CHECK (alcohol_units_per_day IS NULL OR
        alcohol_units_per_day BETWEEN 0 AND 200),
    consent_to_ndtms TEXT CHECK (consent_to_ndtms IS NULL OR consent_to_ndtms IN ('yes', 'no')),
    contact_event TEXT CHECK (contact_event IS NULL OR contact_event IN
        ('ra_positive_test', 'rob', 'conditional_caution', 'pre_sentence_report',
         'offender_manager_requirement', 'voluntary_after_release', 'voluntary_cell_sweep',
         'voluntary_liaison_diversion', 'voluntary_other', 'post_treatment_referral',
         'post_order_request', 'other')),
    contact_event_date TEXT CHECK (contact_event_date IS NULL OR
        (date(contact_event_date) IS contact_event_date AND contact_event IS NOT NULL)),
    CHECK ((discharge_date IS NULL) = (discharge_reason IS NULL)),
    CHECK (primary_substance != 'alcohol' OR route IS NULL OR route = 'oral'),
    CHECK (route IS NULL OR route != 'inject' OR injecting_status = 'currently'),
    UNIQUE (client_id, referral_date)
);

INSERT INTO episodes_new (id, client_id, referral_date, referral_source, pathway, primary_substance, start_date,
                          discharge_date, discharge_reason, order_start, order_end,
                          transferred_to, created_at, updated_at, legal_requirement, notify_agency)
    SELECT id, client_id, referral_date, referral_source, pathway, primary_substance, start_date,
           discharge_date, discharge_reason, order_start, order_end,
           transferred_to, created_at, updated_at, legal_requirement, notify_agency
    FROM episodes;

DROP TABLE episodes;
ALTER TABLE episodes_new RENAME TO episodes;

CREATE UNIQUE INDEX episodes_one_open ON episodes (client_id) WHERE discharge_date IS NULL;
CREATE INDEX episodes_referral_date ON episodes (referral_date);
CREATE INDEX episodes_start_date ON episodes (start_date);
CREATE INDEX episodes_discharge_date ON episodes (discharge_date);
CREATE INDEX episodes_order_end ON episodes (order_end);
CREATE INDEX episodes_legal_requirement ON episodes (client_id) WHERE legal_requirement != 'none';

-- One countable harm-reduction or health action. Key: client + kind + date.
CREATE TABLE interventions (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN
        ('naloxone_issued', 'naloxone_training', 'hcv_test', 'hbv_vaccination', 'hiv_test',
         'overdose_plan', 'other')),
    intervention_date TEXT NOT NULL CHECK (date(intervention_date) IS intervention_date),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK (kind != 'other' OR length(trim(coalesce(notes, ''))) > 0),
    UNIQUE (client_id, kind, intervention_date)
);
CREATE INDEX interventions_date ON interventions (intervention_date);

-- That a client died: one per client.
CREATE TABLE deaths (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL UNIQUE REFERENCES clients (id) ON DELETE CASCADE,
    date_of_death TEXT NOT NULL CHECK (date(date_of_death) IS date_of_death),
    drug_related_suspected TEXT NOT NULL CHECK (drug_related_suspected IN ('yes', 'no', 'not_known')),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX deaths_date ON deaths (date_of_death);

-- A dated safeguarding concern raised with another agency; open until closed with an outcome.
-- `last_update` is the day the program last changed it (empty after an import: the raised date
-- stands for it), for the agenda's "open more than 28 days with no update".
CREATE TABLE safeguarding (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    raised_date TEXT NOT NULL CHECK (date(raised_date) IS raised_date),
    raised_with TEXT NOT NULL CHECK (length(trim(raised_with)) > 0),
    category TEXT NOT NULL CHECK (category IN ('adult', 'child', 'domestic_abuse', 'exploitation', 'other')),
    outcome TEXT,
    closed_date TEXT CHECK (closed_date IS NULL OR
        (date(closed_date) IS closed_date AND closed_date >= raised_date)),
    notes TEXT,
    last_update TEXT CHECK (last_update IS NULL OR date(last_update) IS last_update),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK (closed_date IS NULL OR length(trim(coalesce(outcome, ''))) > 0),
    UNIQUE (client_id, raised_date, category)
);
CREATE INDEX safeguarding_open ON safeguarding (client_id) WHERE closed_date IS NULL;
