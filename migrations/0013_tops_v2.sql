-- TOP v2 (DOMAIN.md): the whole form. Every item may be NA (not answered), stored as NULL and
-- never as 0 or no: the v1 items lose NOT NULL (every v1 row had a real value in each, so no
-- stored NULL ever meant anything else), the v2 items are new columns, NULL (NA) on every v1 row
-- as a v1 file without them imports. `stage` adds post_treatment_exit; `setting` is community
-- (every v1 TOP) or custody. SQLite cannot change NOT NULL or a CHECK in place, so the table is
-- rebuilt with the same rows, ids and index.

CREATE TABLE tops_new (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    top_date TEXT NOT NULL CHECK (date(top_date) IS top_date),
    stage TEXT NOT NULL CHECK (stage IN ('start', 'review', 'exit', 'post_treatment_exit')),
    alcohol_days INTEGER CHECK (alcohol_days IS NULL OR alcohol_days BETWEEN 0 AND 28),
    opiates_days INTEGER CHECK (opiates_days IS NULL OR opiates_days BETWEEN 0 AND 28),
    crack_days INTEGER CHECK (crack_days IS NULL OR crack_days BETWEEN 0 AND 28),
    cocaine_days INTEGER CHECK (cocaine_days IS NULL OR cocaine_days BETWEEN 0 AND 28),
    amphetamines_days INTEGER CHECK (amphetamines_days IS NULL OR amphetamines_days BETWEEN 0 AND 28),
    cannabis_days INTEGER CHECK (cannabis_days IS NULL OR cannabis_days BETWEEN 0 AND 28),
    other_drug_days INTEGER CHECK (other_drug_days IS NULL OR other_drug_days BETWEEN 0 AND 28),
    injecting_days INTEGER CHECK (injecting_days IS NULL OR injecting_days BETWEEN 0 AND 28),
    shoplifting_days INTEGER CHECK (shoplifting_days IS NULL OR shoplifting_days BETWEEN 0 AND 28),
    drug_selling_days INTEGER CHECK (drug_selling_days IS NULL OR drug_selling_days BETWEEN 0 AND 28),
    other_theft_days INTEGER CHECK (other_theft_days IS NULL OR other_theft_days BETWEEN 0 AND 28),
    assault TEXT CHECK (assault IS NULL OR assault IN ('yes', 'no')),
    psych_health INTEGER CHECK (psych_health IS NULL OR psych_health BETWEEN 0 AND 20),
    phys_health INTEGER CHECK (phys_health IS NULL OR phys_health BETWEEN 0 AND 20),
    quality_of_life INTEGER CHECK (quality_of_life IS NULL OR quality_of_life BETWEEN 0 AND 20),
    acute_housing_problem TEXT CHECK (acute_housing_problem IS NULL OR acute_housing_problem IN ('yes', 'no')),
    paid_work_days INTEGER CHECK (paid_work_days IS NULL OR paid_work_days BETWEEN 0 AND 28),
    education_days INTEGER CHECK (education_days IS NULL OR education_days BETWEEN 0 AND 28),
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    updated_at TEXT NOT NULL DEFAULT (datetime('now')),
    setting TEXT NOT NULL DEFAULT 'community' CHECK (setting IN ('community', 'custody')),
    alcohol_units_per_drinking_day INTEGER CHECK (alcohol_units_per_drinking_day IS NULL OR alcohol_units_per_drinking_day BETWEEN 0 AND 200),
    tobacco_days INTEGER CHECK (tobacco_days IS NULL OR tobacco_days BETWEEN 0 AND 28),
    sharing_needles TEXT CHECK (sharing_needles IS NULL OR sharing_needles IN ('yes', 'no')),
    sharing_paraphernalia TEXT CHECK (sharing_paraphernalia IS NULL OR sharing_paraphernalia IN ('yes', 'no')),
    vehicle_theft TEXT CHECK (vehicle_theft IS NULL OR vehicle_theft IN ('yes', 'no')),
    property_theft_burglary TEXT CHECK (property_theft_burglary IS NULL OR property_theft_burglary IN ('yes', 'no')),
    fraud_forgery_handling TEXT CHECK (fraud_forgery_handling IS NULL OR fraud_forgery_handling IN ('yes', 'no')),
    eviction_risk TEXT CHECK (eviction_risk IS NULL OR eviction_risk IN ('yes', 'no')),
    UNIQUE (client_id, top_date, stage)
);

INSERT INTO tops_new (id, client_id, top_date, stage, alcohol_days, opiates_days, crack_days, cocaine_days, amphetamines_days, cannabis_days, other_drug_days, injecting_days, shoplifting_days, drug_selling_days, other_theft_days, assault, psych_health, phys_health, quality_of_life, acute_housing_problem, paid_work_days, education_days, created_at, updated_at)
    SELECT id, client_id, top_date, stage, alcohol_days, opiates_days, crack_days, cocaine_days, amphetamines_days, cannabis_days, other_drug_days, injecting_days, shoplifting_days, drug_selling_days, other_theft_days, assault, psych_health, phys_health, quality_of_life, acute_housing_problem, paid_work_days, education_days, created_at, updated_at
    FROM tops;

DROP TABLE tops;
ALTER TABLE tops_new RENAME TO tops;

CREATE INDEX tops_top_date ON tops (top_date);
