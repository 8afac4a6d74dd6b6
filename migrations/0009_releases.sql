-- Releases from custody as records of their own (DOMAIN.md "Releases from custody"): one person
-- leaving one prison, planned on the expected date, recorded on the actual date, with the
-- pre-release checklist, the handshake to a community provider and the continuity-of-care window.
-- Every episode's v1 `prison_release_date` becomes a release of its client (two episodes with the
-- same date make one), marked `from_v1`, and the episode field is removed. A date after today
-- is a release still due: `cjcase_today()` is the program's clock (CJCASE_TODAY in tests),
-- registered on the connection by the upgrade.

CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    prison TEXT,
    expected_date TEXT NOT NULL CHECK (date(expected_date) IS expected_date),
    actual_date TEXT CHECK (actual_date IS NULL OR date(actual_date) IS actual_date),
    release_type TEXT CHECK (release_type IS NULL OR release_type IN
        ('licence', 'end_of_sentence', 'home_detention_curfew', 'remand_or_court', 'other')),
    accommodation_on_release TEXT CHECK (accommodation_on_release IS NULL OR accommodation_on_release IN
        ('settled', 'temporary', 'no_fixed_abode', 'not_known')),
    treatment_need_in_custody TEXT CHECK (treatment_need_in_custody IN ('yes', 'no')),
    in_custody_treatment TEXT CHECK (in_custody_treatment IN ('yes', 'no')
        AND (in_custody_treatment = 'no' OR treatment_need_in_custody = 'yes')),
    first_appointment_provider TEXT,
    first_appointment_at TEXT CHECK (first_appointment_at IS NULL OR
        (strftime('%Y-%m-%d %H:%M', first_appointment_at) IS first_appointment_at
         AND first_appointment_provider IS NOT NULL)),
    script_continuity TEXT CHECK (script_continuity IN ('yes', 'no', 'not_applicable')),
    naloxone_offered TEXT CHECK (naloxone_offered IN ('yes', 'no')),
    naloxone_issued TEXT CHECK (naloxone_issued IN ('yes', 'no')
        AND (naloxone_issued = 'no' OR naloxone_offered = 'yes')),
    gate_pickup_booked TEXT CHECK (gate_pickup_booked IN ('yes', 'no')),
    onward_provider TEXT,
    onward_referred_date TEXT CHECK (onward_referred_date IS NULL OR
        (date(onward_referred_date) IS onward_referred_date AND onward_provider IS NOT NULL)),
    community_start_date TEXT CHECK (community_start_date IS NULL OR
        (date(community_start_date) IS community_start_date AND actual_date IS NOT NULL
         AND community_start_date >= actual_date AND length(trim(confirmed_by)) > 0)),
    confirmed_by TEXT,
    coc_exclusion TEXT CHECK (coc_exclusion IS NULL OR (coc_exclusion IN
        ('re_imprisoned', 'died', 'moved_out_of_area', 'transferred_secure_setting')
        AND (actual_date IS NOT NULL OR coc_exclusion IN ('died', 'transferred_secure_setting')))),
    notes TEXT,
    -- Made from a v1 `prison_release_date`: exempt from *past* and from `prison` being required.
    from_v1 INTEGER NOT NULL DEFAULT 0 CHECK (from_v1 IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK (from_v1 = 1 OR length(trim(prison)) > 0),
    UNIQUE (client_id, expected_date)
);
CREATE UNIQUE INDEX releases_actual_date_once ON releases (client_id, actual_date) WHERE actual_date IS NOT NULL;
CREATE INDEX releases_expected_date ON releases (expected_date) WHERE actual_date IS NULL;
CREATE INDEX releases_actual_date ON releases (actual_date);

INSERT INTO releases (client_id, prison, expected_date, actual_date, from_v1)
    SELECT v1.client_id, nullif(trim(c.prison), ''), v1.day,
           CASE WHEN v1.day <= cjcase_today() THEN v1.day END, 1
    FROM (SELECT DISTINCT client_id, prison_release_date AS day FROM episodes
          WHERE prison_release_date IS NOT NULL) v1
    JOIN clients c ON c.id = v1.client_id
    ORDER BY v1.client_id, v1.day;

DROP INDEX episodes_prison_release_date;
ALTER TABLE episodes DROP COLUMN prison_release_date;
