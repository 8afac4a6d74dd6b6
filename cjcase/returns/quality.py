"""The gate before a return is written: what would make one of its figures wrong.

Only what makes a figure wrong blocks a return (without --allow-incomplete): outcomes not
recorded, records a measure needs that are missing, impossible dates, open episodes nobody has
seen, and a period not yet final. What the return itself reports (long waits) or what is a valid
answer (ethnicity Z, sex not stated) is not a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from cjcase.domain.dates import Period
from cjcase.returns.measures import APPOINTMENT
from cjcase.services.orders import ORDER_END_SQL
from cjcase.services.releases import RELEASE_OF_EPISODE, V1_ENGAGED

# A quarter's figures are final once this many days have passed after its end (late entries).
DAYS_UNTIL_FINAL = 7
# An episode counted in treatment with no attended session for this many days is not in treatment.
DAYS_WITHOUT_CONTACT = 90

# Episodes the return counts: open at any time in the period.
_IN_PERIOD = "e.referral_date <= :end AND (e.discharge_date IS NULL OR e.discharge_date >= :start)"
_EPISODE = "FROM episodes e JOIN clients c ON c.id = e.client_id"


@dataclass
class Finding:
    """One kind of wrong figure: a sentence for the cover, and the references to fix (shown on
    screen and on stderr only, never written into a return)."""

    message: str
    client_refs: list[str] = field(default_factory=list)

    def described(self, most: int = 10) -> str:
        """The sentence with the references to fix (the first `most` of them), for the screen and
        stderr."""
        if not self.client_refs:
            return self.message
        refs = ", ".join(self.client_refs[:most]) + (" …" if len(self.client_refs) > most else "")
        return f"{self.message} ({refs})"


CHECKS = [
    (
        "{n} past session{s} in the period still marked scheduled (outcome not recorded)",
        f"""SELECT c.client_ref FROM sessions s JOIN clients c ON c.id = s.client_id
        WHERE s.status = 'scheduled' AND s.starts_at >= :start AND s.starts_at < :after_end
          AND s.starts_at < :now AND {APPOINTMENT}""",
    ),
    (
        "{n} session{s} marked attended on a date after today",
        """SELECT c.client_ref FROM sessions s JOIN clients c ON c.id = s.client_id
        WHERE s.status = 'attended' AND date(s.starts_at) > :today""",
    ),
    (
        "{n} Prison Link episode{s} in the period with no prison release date",
        f"SELECT c.client_ref {_EPISODE} WHERE {_IN_PERIOD} AND e.pathway = 'prison_link' "
        f"AND NOT EXISTS (SELECT 1 FROM releases r WHERE {RELEASE_OF_EPISODE} AND r.actual_date IS NOT NULL)",
    ),
    (
        "{n} DRR or ATR episode{s} in the period with no order start date",
        f"SELECT c.client_ref {_EPISODE} WHERE {_IN_PERIOD} AND e.pathway IN ('drr', 'atr') AND e.order_start IS NULL",
    ),
    (
        "{n} started episode{s} in the period with no start TOP",
        f"""SELECT c.client_ref {_EPISODE} WHERE {_IN_PERIOD} AND e.start_date <= :end
        AND NOT EXISTS (SELECT 1 FROM tops t WHERE t.client_id = e.client_id AND t.stage = 'start'
                        AND t.top_date >= e.referral_date
                        AND (e.discharge_date IS NULL OR t.top_date <= date(e.discharge_date, '+28 days')))""",
    ),
    (
        "{n} client{s} in the period with no answer recorded for consent to share "
        "(their extract rows are written in full)",
        f"SELECT c.client_ref {_EPISODE} WHERE {_IN_PERIOD} "
        "AND (c.consent_to_share IS NULL OR c.consent_to_share = '')",
    ),
    (
        "{n} episode{s} counted in treatment at the end of the period with no attended session "
        f"in the {DAYS_WITHOUT_CONTACT} days before it",
        f"""SELECT c.client_ref {_EPISODE}
        WHERE e.referral_date <= :end AND (e.discharge_date IS NULL OR e.discharge_date > :end)
          AND e.start_date <= :contact_from
          AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = e.client_id AND s.status = 'attended'
                          AND {APPOINTMENT} AND s.starts_at >= :contact_from AND s.starts_at < :after_end)""",
    ),
]


# Data-quality notes (DOMAIN.md "Data-quality checks added"): records to put right that change none
# of the v1 return's figures, so they are listed wherever the checks are shown but never block a
# return. Each is (message, SQL listing client references), with the same parameters as CHECKS.
NOTES: list[tuple[str, str]] = [
    # 13. A quick referral's sex or ethnicity still empty, naming the empty fields.
    (
        "{n} quick-referral client{s} with sex or ethnicity not recorded yet",
        """SELECT c.client_ref || ' (' || CASE WHEN c.sex IS NULL AND c.ethnicity IS NULL THEN 'sex and ethnicity'
                                              WHEN c.sex IS NULL THEN 'sex' ELSE 'ethnicity' END || ')'
        FROM clients c WHERE c.quick_referral = 'yes' AND (c.sex IS NULL OR c.ethnicity IS NULL)""",
    ),
]

# Releases from custody, checks 1 to 4 (check 5 reads the death record, which another change brings).
_RELEASE = "FROM releases r JOIN clients c ON c.id = r.client_id"
_WINDOW_END = "date(r.actual_date, '+21 days')"
NOTES += [
    (
        "{n} release{s} made from a v1 prison release date with no prison, or with an actual date after "
        "today: name the prison, or clear the actual date of a release still to come",
        f"SELECT c.client_ref {_RELEASE} WHERE (r.from_v1 = 1 AND coalesce(trim(r.prison), '') = '') "
        "OR r.actual_date > :today",
    ),
    (
        "{n} release{s} in the period with no release type",
        f"SELECT c.client_ref {_RELEASE} WHERE r.actual_date BETWEEN :start AND :end AND r.release_type IS NULL",
    ),
    (
        "{n} release{s} still due 7 days after the expected date: record the release, move the date, "
        "or record the exclusion",
        f"SELECT c.client_ref {_RELEASE} WHERE r.actual_date IS NULL AND r.coc_exclusion IS NULL "
        "AND r.expected_date <= date(:today, '-7 days')",
    ),
    (
        "{n} release{s} whose three-week window closed in the period not engaged: confirm with the "
        "community provider whether the person started there, and record it or leave it",
        f"""SELECT c.client_ref {_RELEASE}
        WHERE r.coc_exclusion IS NULL AND {_WINDOW_END} BETWEEN :start AND :end AND {_WINDOW_END} < :today
          AND NOT (r.community_start_date IS NOT NULL AND r.community_start_date <= {_WINDOW_END})
          AND NOT {V1_ENGAGED}""",
    ),
]
# The clinical record (DOMAIN.md "Data-quality checks added" 5, death part, and 12 to 15; 13 is above).
_OPIATE_OR_CRACK = "('heroin', 'other_opiates', 'crack')"
NOTES += [
    (
        "{n} release{s} excluded as died with no death record: record the death (D on the record)",
        f"SELECT c.client_ref {_RELEASE} WHERE r.coc_exclusion = 'died' "
        "AND NOT EXISTS (SELECT 1 FROM deaths d WHERE d.client_id = r.client_id)",
    ),
    (
        "{n} order{s} with the outcome died and no death record: record the death (D on the record)",
        """SELECT c.client_ref FROM orders o JOIN clients c ON c.id = o.client_id WHERE o.outcome = 'died'
        AND NOT EXISTS (SELECT 1 FROM deaths d WHERE d.client_id = o.client_id)""",
    ),
    (
        "{n} death{s} inside the three-week window of a release not engaged, with no exclusion: "
        "record the exclusion `died` on the release",
        f"""SELECT c.client_ref {_RELEASE} JOIN deaths d ON d.client_id = r.client_id
        WHERE r.coc_exclusion IS NULL AND r.actual_date IS NOT NULL
          AND d.date_of_death BETWEEN r.actual_date AND {_WINDOW_END}
          AND NOT (r.community_start_date IS NOT NULL AND r.community_start_date <= {_WINDOW_END})
          AND NOT {V1_ENGAGED}""",
    ),
    (
        "{n} episode{s} open in the period with consent to NDTMS not asked yet (E on the record)",
        f"SELECT c.client_ref {_EPISODE} WHERE {_IN_PERIOD} AND e.consent_to_ndtms IS NULL",
    ),
    (
        "{n} episode{s} discharged as an occasional-user completion with opiates or crack among the "
        "substances: check the reason or the substances",
        f"""SELECT c.client_ref {_EPISODE} WHERE e.discharge_reason = 'completed_occasional_user'
        AND (e.primary_substance IN {_OPIATE_OR_CRACK} OR e.drug_2 IN {_OPIATE_OR_CRACK}
             OR e.drug_3 IN {_OPIATE_OR_CRACK})""",
    ),
    (
        "{n} episode{s} discharged as died with no death record: record the death (D on the record)",
        f"""SELECT c.client_ref {_EPISODE} WHERE e.discharge_reason = 'died'
        AND NOT EXISTS (SELECT 1 FROM deaths d WHERE d.client_id = e.client_id)""",
    ),
]

# Community orders, checks 8 to 10 (check 6, on the Required Assessment in force, is below check 7).
_ORDER = "FROM orders o JOIN clients c ON c.id = o.client_id"
NOTES += [
    (
        "{n} order{s} with a DRR of more than 12 months and no court reviews recorded: set the review "
        "frequency (s210 CJA 2003 provides reviews for orders of more than 12 months)",
        f"""SELECT c.client_ref {_ORDER}
        WHERE (o.order_type = 'drr' OR ';' || o.components || ';' LIKE '%;drr;%') AND o.length_months > 12
          AND coalesce(o.review_frequency, 'none') = 'none'""",
    ),
    (
        "{n} order{s} whose length has run out with no outcome recorded: record how it ended",
        f"SELECT c.client_ref {_ORDER} WHERE o.outcome IS NULL AND {ORDER_END_SQL} < :today",
    ),
    (
        "{n} running order{s} with no DRR, ATR or MHTR requirement in force today, so absences would go "
        "unreported: record the requirement",
        f"""SELECT c.client_ref {_ORDER}
        WHERE o.sentence_date <= :today AND (o.outcome_date IS NULL OR o.outcome_date >= :today)
          AND NOT EXISTS (SELECT 1 FROM requirements r WHERE r.client_id = o.client_id
                          AND r.requirement IN ('drr', 'atr', 'mhtr') AND r.start_date <= :today
                          AND (r.end_date IS NULL OR r.end_date >= :today))""",
    ),
]


def findings(db: sqlite_utils.Database, period: Period, now: datetime) -> list[Finding]:
    """Every check that found something, for a period, as of `now` (the program's clock): what
    blocks a return until fixed or allowed."""
    today = now.date()
    found = []
    final_from = period.end + timedelta(days=DAYS_UNTIL_FINAL)
    if today < final_from:
        state = "has not ended yet" if today <= period.end else f"ended less than {DAYS_UNTIL_FINAL} days ago"
        found.append(
            Finding(
                f"The period {state} (it ends on {period.end:%d/%m/%Y}): its figures are not final "
                f"until {final_from:%d/%m/%Y}"
            )
        )
    return found + _run(db, CHECKS, period, now)


def notes(db: sqlite_utils.Database, period: Period, now: datetime) -> list[Finding]:
    """The data-quality notes that found something: shown beside a return, never blocking it."""
    return _run(db, NOTES, period, now)


def data_quality(db: sqlite_utils.Database, period: Period, now: datetime) -> list[Finding]:
    """Every record-level finding, blocking or not, for `cjcase check` (which reads the current
    quarter): whether the period is final is a fact about a return, not about the records."""
    return _run(db, CHECKS, period, now) + _run(db, NOTES, period, now)


def _run(db: sqlite_utils.Database, checks: list[tuple[str, str]], period: Period, now: datetime) -> list[Finding]:
    today = now.date()
    params = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "after_end": (period.end + timedelta(days=1)).isoformat(),
        "now": now.strftime("%Y-%m-%d %H:%M"),
        "today": today.isoformat(),
        "contact_from": (period.end - timedelta(days=DAYS_WITHOUT_CONTACT - 1)).isoformat(),
    }
    found = []
    for message, sql in checks:
        refs = sorted({row[0] for row in db.execute(sql, params).fetchall()})
        if refs:
            found.append(Finding(message.format(n=len(refs), s="" if len(refs) == 1 else "s"), refs))
    return found


# 7. An RA initial assessment attended (the person came and remained) with no outcome on its
# custody event: the event the session belongs to is the client's latest with the RA imposed
# arrested at or before it (DOMAIN.md, Custody events).
NOTES += [
    (
        "{n} custody event{s} with an attended RA initial assessment and no assessment outcome: "
        "record what the assessment found",
        """SELECT c.client_ref FROM custody_events ev JOIN clients c ON c.id = ev.client_id
        WHERE ev.ra_imposed = 'yes' AND ev.assessment_outcome IS NULL
          AND EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = ev.client_id AND s.requirement = 'ra_initial'
                      AND s.status = 'attended' AND s.starts_at >= ev.arrested_at
                      AND NOT EXISTS (SELECT 1 FROM custody_events l WHERE l.client_id = ev.client_id
                                      AND l.ra_imposed = 'yes' AND l.arrested_at > ev.arrested_at
                                      AND l.arrested_at <= s.starts_at))""",
    ),
]

# 6. The RA imposed and no required_assessment requirement in force on the day of the test: the
# program offers to add one, the import never adds one (DOMAIN.md, Custody events).
NOTES += [
    (
        "{n} custody event{s} with the Required Assessment imposed and no required_assessment requirement "
        "in force on the day of the test: record the requirement, so an absence is reported",
        """SELECT c.client_ref FROM custody_events ev JOIN clients c ON c.id = ev.client_id
        WHERE ev.ra_imposed = 'yes'
          AND NOT EXISTS (SELECT 1 FROM requirements r WHERE r.client_id = ev.client_id
                          AND r.requirement = 'required_assessment'
                          AND r.start_date <= date(coalesce(ev.test_at, ev.arrested_at))
                          AND (r.end_date IS NULL OR r.end_date >= date(coalesce(ev.test_at, ev.arrested_at))))""",
    ),
]

# 11. An absence (a DNA, or came and left early) on a day an order was running, with no decision by
# the responsible officer recorded (DOMAIN.md, Sessions v2: `absence`).
NOTES += [
    (
        "{n} absence{s} on a running order with no absence decision: record whether the responsible "
        "officer found it acceptable",
        """SELECT c.client_ref FROM sessions s JOIN clients c ON c.id = s.client_id
        WHERE s.status IN ('dna', 'attended_left_early') AND s.absence IS NULL
          AND EXISTS (SELECT 1 FROM orders o WHERE o.client_id = s.client_id
                      AND o.sentence_date <= substr(s.starts_at, 1, 10)
                      AND (o.outcome_date IS NULL OR o.outcome_date >= substr(s.starts_at, 1, 10)))""",
    ),
]
