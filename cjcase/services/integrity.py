"""`cjcase check`: the file, its links, every row against the domain rules, the audit chain."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.clinical import DEATH, INTERVENTION, SAFEGUARDING, check_intervention, check_safeguarding
from cjcase.domain.codes import NA
from cjcase.domain.releases import RELEASE_STORED, check_release
from cjcase.domain.rules import POST_TREATMENT_EXIT_NEEDS
from cjcase.services import audit, legal, orders, requirements
from cjcase.services.handover import verify_carried
from cjcase.store.backups import list_backups, manifest_path
from cjcase.store.files import backup_dir

# table -> (field rules, check across fields)
TABLE_RULES = {
    "clients": (rules.CLIENT, rules.check_client_details),
    "episodes": (rules.EPISODE, rules.check_episode),
    "sessions": (rules.SESSION, rules.check_session),
    "goals": (rules.GOAL, rules.check_goal),
    "court_dates": (rules.COURT_DATE, None),
    "tops": (rules.TOP, rules.check_top),
    "consents": (rules.CONSENT, rules.check_consent),
    # Rules that read today (past dates, a v1 release's empty prison) are data-quality notes, not damage.
    "releases": (RELEASE_STORED, lambda clean: check_release(clean, date.max, from_v1=True)),
    "custody_events": (rules.CUSTODY_EVENT, lambda clean: rules.check_custody_event(clean, date.max)),
    "interventions": (INTERVENTION, check_intervention),
    "safeguarding": (SAFEGUARDING, check_safeguarding),
    "deaths": (DEATH, None),
    "requirements": (rules.REQUIREMENT, rules.check_requirement),
    "orders": (rules.ORDER, lambda clean: rules.check_order(clean, date.max)),
    "order_events": (rules.ORDER_EVENT, lambda clean: rules.check_order_event(clean, date.max)),
}


def check(db: sqlite_utils.Database) -> list[str]:
    """Every problem found, as sentences; an empty list means all is well."""
    problems = [
        f"SQLite integrity check: {row[0]}" for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"
    ]
    if problems:
        return problems  # a damaged file cannot be trusted to answer the rest
    for row in db.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"{row[0]} row {row[1]} points to a missing {row[2]} record.")
    problems += check_rows(db)
    path = getattr(db, "path", None)
    manifests = [manifest_path(b.path) for b in list_backups(backup_dir(path))] if path else []
    problems += audit.verify(db, manifests)
    problems += verify_carried(db)  # the audit rows that came with a received client or a combined caseload
    return problems


def check_rows(db: sqlite_utils.Database) -> list[str]:
    """Every stored row against the rules the services apply when writing."""
    problems = []
    for table, (spec, across) in TABLE_RULES.items():
        for row in db.query(f"SELECT * FROM {table}"):
            values = {name: row.get(field.column or name) for name, field in spec.items()}
            if table == "clients":
                values["no_fixed_abode"] = bool(values["no_fixed_abode"])
            # A TOP item not answered is stored as NULL: it is read back as the NA it was.
            values = {n: (NA if v is None and spec[n].na else v) for n, v in values.items()}
            clean, found = rules.check_fields(spec, values)
            if not found and across:
                found = across(clean)
            problems += [f"{table} row {row['id']}: {error.field}: {error.message}" for error in found]
    problems += _episode_rules(db)
    problems += _death_rules(db)
    problems += _top_rules(db)
    problems += requirements.stored_problems(db) + orders.stored_problems(db)
    problems += _legal_rules(db)
    return problems


def _legal_rules(db: sqlite_utils.Database) -> list[str]:
    """Sessions whose legal stage or absence decision no longer has what it needs (the custody
    event, the requirement in force, the running order)."""
    problems = []
    for row in db.query(
        "SELECT id, client_id, starts_at AS [when], requirement, absence FROM sessions "
        "WHERE requirement IS NOT NULL OR absence IS NOT NULL"
    ):
        for error in legal.session_problems(db, row["client_id"], row):
            problems.append(f"sessions row {row['id']}: {error.field}: {error.message}")
    # Testing on arrest and the Required Assessment apply from 18 (whole years, as for referrals).
    for row in db.query(
        "SELECT ev.id FROM custody_events ev JOIN clients c ON c.id = ev.client_id "
        "WHERE date(c.date_of_birth, '+18 years') > date(ev.arrested_at)"  # 29 Feb: SQLite gives 1 March
    ):
        problems.append(
            f"custody_events row {row['id']}: arrested_at: the client was under 18 on the day of the arrest."
        )
    return problems


def _top_rules(db: sqlite_utils.Database) -> list[str]:
    """A post-treatment-exit TOP needs a discharge of the client on or before its date."""
    return [
        f"tops row {row[0]}: stage: {POST_TREATMENT_EXIT_NEEDS}"
        for row in db.execute(
            "SELECT t.id FROM tops t WHERE t.stage = 'post_treatment_exit' AND NOT EXISTS "
            "(SELECT 1 FROM episodes e WHERE e.client_id = t.client_id AND e.discharge_date <= t.top_date)"
        )
    ]


def _episode_rules(db: sqlite_utils.Database) -> list[str]:
    problems = []
    by_client: dict[int, list[dict]] = defaultdict(list)
    for row in db.query(
        "SELECT e.id, e.client_id, e.referral_date, e.discharge_date, c.date_of_birth "
        "FROM episodes e JOIN clients c ON c.id = e.client_id ORDER BY e.client_id, e.referral_date"
    ):
        adult = rules.check_adult(row["date_of_birth"], row["referral_date"])
        if adult:
            problems.append(f"episodes row {row['id']}: {adult.message}")
        for earlier in by_client[row["client_id"]]:
            if rules.overlap(earlier, row):
                problems.append(f"episodes row {row['id']} overlaps episodes row {earlier['id']} of the same client.")
        by_client[row["client_id"]].append(row)
    return problems


def _death_rules(db: sqlite_utils.Database) -> list[str]:
    """A death agrees with the client's other records (DOMAIN.md): the episode open that day is
    discharged died on it, and nothing showing the client alive is dated after it."""
    from cjcase.services.deaths import later_records, open_episode_on

    problems = []
    for row in db.query("SELECT id, client_id, date_of_death FROM deaths"):
        died = row["date_of_death"]
        episode = open_episode_on(db, row["client_id"], died)
        if episode and (episode["discharge_reason"] != "died" or episode["discharge_date"] != died):
            problems.append(
                f"deaths row {row['id']}: the episode open on the date of death (episodes row {episode['id']}) "
                "is not discharged died on that date."
            )
        for later in later_records(db, row["client_id"], died):
            problems.append(f"deaths row {row['id']}: the client has {later}, after the date of death.")
    return problems
