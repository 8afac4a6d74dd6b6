-- Clients v2 (DOMAIN.md): ethnicity `99` (not known) beside `Z` (declined), and the quick
-- referral: a client taken on in custody or at court with name and date of birth only, whose sex
-- and ethnicity may be empty until they are asked. SQLite cannot widen a CHECK or drop a NOT NULL
-- in place, so the table is rebuilt with the same rows, ids, indexes and search triggers (the
-- program turns foreign keys off around a migration, so dropping the old table deletes nothing).

CREATE TABLE clients_new (
    id INTEGER PRIMARY KEY,
    client_ref TEXT NOT NULL UNIQUE CHECK (length(trim(client_ref)) > 0),
    first_name TEXT NOT NULL CHECK (length(trim(first_name)) > 0),
    last_name TEXT NOT NULL CHECK (length(trim(last_name)) > 0),
    preferred_name TEXT,
    date_of_birth TEXT NOT NULL CHECK (date(date_of_birth) IS date_of_birth),
    sex TEXT CHECK (sex IS NULL OR sex IN ('male', 'female', 'other', 'not_stated')),
    ethnicity TEXT CHECK (ethnicity IS NULL OR ethnicity IN
        ('A','B','C','D','E','F','G','H','J','K','L','M','N','P','R','S','Z','99')),
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
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    quick_referral TEXT NOT NULL DEFAULT 'no' CHECK (quick_referral IN ('yes', 'no')),
    -- Only a quick referral may leave sex and ethnicity empty.
    CHECK (quick_referral = 'yes' OR (sex IS NOT NULL AND ethnicity IS NOT NULL))
);

INSERT INTO clients_new (id, client_ref, first_name, last_name, preferred_name, date_of_birth, sex, ethnicity,
                         postcode, phone, keyworker, risk_flags, consent_to_share, consent_date, notes, prison,
                         prison_number, pnc_id, probation_ref, nhs_number, offender_manager_name,
                         offender_manager_phone, offender_manager_email, address, no_fixed_abode, alt_contact,
                         aliases, created_at, updated_at)
    SELECT id, client_ref, first_name, last_name, preferred_name, date_of_birth, sex, ethnicity,
           postcode, phone, keyworker, risk_flags, consent_to_share, consent_date, notes, prison,
           prison_number, pnc_id, probation_ref, nhs_number, offender_manager_name,
           offender_manager_phone, offender_manager_email, address, no_fixed_abode, alt_contact,
           aliases, created_at, updated_at
    FROM clients;

DROP TABLE clients;
ALTER TABLE clients_new RENAME TO clients;

CREATE INDEX clients_keyworker ON clients (keyworker);
CREATE INDEX clients_date_of_birth ON clients (date_of_birth);
CREATE INDEX clients_prison_number ON clients (prison_number);
CREATE INDEX clients_probation_ref ON clients (probation_ref);
CREATE INDEX clients_name ON clients (last_name COLLATE NOCASE, first_name COLLATE NOCASE, client_ref);

-- The search index keeps its rows (same ids); its triggers went with the old table.
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
