"""The measures of the quarterly return (DOMAIN.md), each counted by SQL over the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.dates import Period
from cjcase.services.releases import V1_ENGAGED

# A count is an int; a rate is its (numerator, denominator).
Value = int | tuple[int, int]
Rows = list[tuple[str, Value]]

BREAKDOWNS = {
    "pathway": codes.PATHWAY,
    "referral_source": codes.REFERRAL_SOURCE,
    "outcome": codes.OUTCOME,
    "discharge_reason": codes.DISCHARGE_REASON_V1,
    "status": codes.SESSION_STATUS_V1,
    "kind": codes.APPOINTMENT_KIND,
    "goal_domain": codes.GOAL_DOMAIN,
    "goal_status": codes.GOAL_STATUS,
    "hearing_type": codes.HEARING_TYPE,
    "age_band": codes.AGE_BAND,
    "sex": codes.SEX,
    "ethnic_group": codes.ETHNIC_GROUP,
}


@dataclass(frozen=True)
class Measure:
    """A measure: its name, whether it is a rate, and how to count it for a period."""

    name: str
    is_rate: bool
    compute: Callable[[sqlite_utils.Database, dict], Rows]


def _params(period: Period) -> dict:
    from datetime import timedelta

    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        # date-times are in the period when their date is: compare with the day after the end
        "after_end": (period.end + timedelta(days=1)).isoformat(),
    }


def _scalar(db, sql: str, params: dict) -> int:
    return db.execute(sql, params).fetchone()[0] or 0


def _grouped(db, sql: str, params: dict, breakdown: str) -> Rows:
    """Rows for every code of a breakdown, in the list's order, 0 where none."""
    found = {row[0]: row[1] for row in db.execute(sql, params).fetchall()}
    return [(f"{breakdown}:{code}", found.get(code, 0)) for code in BREAKDOWNS[breakdown]]


def _count_with_breakdowns(where: str, breakdowns: dict[str, str], table: str = "episodes e", include_all: bool = True):
    """A measure counting rows of `table` matching `where`, with an `all` row and breakdowns
    given as {breakdown: SQL expression for its code}."""

    def compute(db, params) -> Rows:
        rows: Rows = []
        if include_all:
            rows.append(("all", _scalar(db, f"SELECT count(*) FROM {table} WHERE {where}", params)))
        for breakdown, expression in breakdowns.items():
            rows += _grouped(
                db, f"SELECT {expression} AS code, count(*) FROM {table} WHERE {where} GROUP BY code", params, breakdown
            )
        return rows

    return compute


def _rate(numerator_sql: str, denominator_sql: str):
    def compute(db, params) -> Rows:
        return [("all", (_scalar(db, numerator_sql, params), _scalar(db, denominator_sql, params)))]

    return compute


REFERRED = "e.referral_date BETWEEN :start AND :end"
STARTED = "e.start_date BETWEEN :start AND :end"
OPEN_AT_END = "e.referral_date <= :end AND (e.discharge_date IS NULL OR e.discharge_date > :end)"
DISCHARGED = "e.discharge_date BETWEEN :start AND :end"
OUTCOME_SQL = (
    "CASE WHEN e.discharge_reason IN ('completed_drug_free', 'completed_alcohol_free', "
    "'completed_occasional_user') THEN 'planned' "
    "WHEN e.discharge_reason IN ('transferred_community', 'transferred_custody', "
    "'transferred_other_cjit_area', 'transferred_offender_management') THEN 'transferred' "
    "WHEN e.discharge_reason IN ('dropped_out', 'withdrawn_by_provider', 'declined_treatment') "
    "THEN 'unplanned' ELSE 'other' END"
)
# The v1 return counts the CJIT closures as `transferred_community` (DOMAIN.md, Episodes v2).
V1_REASON_SQL = (
    "CASE WHEN e.discharge_reason IN ('transferred_other_cjit_area', 'transferred_offender_management') "
    "THEN 'transferred_community' ELSE e.discharge_reason END"
)
# A contact is never an appointment: every v1 measure reads the appointment kinds only, and its
# v1 statuses only (DOMAIN.md, Sessions v2, Counting).
APPOINTMENT = "s.kind IN (" + ", ".join(f"'{kind}'" for kind in codes.APPOINTMENT_KIND) + ")"
IN_PERIOD = f"s.starts_at >= :start AND s.starts_at < :after_end AND {APPOINTMENT}"
COUNTED_FOR_ATTENDANCE = f"{IN_PERIOD} AND s.kind NOT IN ('court_support', 'gate_pickup')"
STRUCTURED = "('assessment', 'keywork', 'group', 'review')"
# Continuity of care under the v1 return (DOMAIN.md "v1 return" under releases): releases with
# `actual_date` in the period; engaged by the v1 rule only (an attended structured session here in
# the window), neither `coc_exclusion` nor `community_start_date` used. Over `releases r`.
CONTINUITY_ENGAGED = V1_ENGAGED
RELEASED = "r.actual_date BETWEEN :start AND :end"
GOAL_CLOSED = "g.closed_date BETWEEN :start AND :end"
STARTS_BY_CLIENT = "episodes e JOIN clients c ON c.id = e.client_id"
AGE_AT_START = (
    "(CAST(strftime('%Y', e.start_date) AS INTEGER) - CAST(strftime('%Y', c.date_of_birth) AS INTEGER)"
    " - (strftime('%m-%d', e.start_date) < strftime('%m-%d', c.date_of_birth)))"
)
AGE_BAND_SQL = (
    f"CASE WHEN {AGE_AT_START} < 18 THEN 'under_18' WHEN {AGE_AT_START} <= 24 THEN '18-24' "
    f"WHEN {AGE_AT_START} <= 34 THEN '25-34' WHEN {AGE_AT_START} <= 44 THEN '35-44' "
    f"WHEN {AGE_AT_START} <= 54 THEN '45-54' WHEN {AGE_AT_START} <= 64 THEN '55-64' "
    "ELSE '65+' END"
)
# A quick referral's empty sex counts as not stated (DOMAIN.md, Clients v2).
SEX_SQL = "coalesce(c.sex, 'not_stated')"
# `99` (not known) and an empty ethnicity fall in `not_stated` with `Z`.
ETHNIC_GROUP_SQL = (
    "CASE WHEN c.ethnicity IN ('A','B','C') THEN 'white' "
    "WHEN c.ethnicity IN ('D','E','F','G') THEN 'mixed' "
    "WHEN c.ethnicity IN ('H','J','K','L') THEN 'asian' "
    "WHEN c.ethnicity IN ('M','N','P') THEN 'black' "
    "WHEN c.ethnicity IN ('R','S') THEN 'other' ELSE 'not_stated' END"
)


def _appointments(db, params) -> Rows:
    rows = _grouped(
        db, f"SELECT s.status, count(*) FROM sessions s WHERE {IN_PERIOD} GROUP BY s.status", params, "status"
    )
    rows += _grouped(
        db,
        f"SELECT s.kind, count(*) FROM sessions s WHERE {IN_PERIOD} AND s.status = 'attended' GROUP BY s.kind",
        params,
        "kind",
    )
    return rows


# The TOP pairs of DOMAIN.md: per client, the latest TOP in the period (exit after review
# after start on one day) when it is a review or exit; its episode (open on its date, else the
# latest referred); and the latest start TOP of that episode at least 28 days before it. Only
# community TOPs of the v1 stages take part (custody and post-treatment-exit TOPs are left out
# before the latest is picked); an item not answered (NULL) leaves its pair out of the measures
# that read it: the primary substance's days (on either TOP) for top_primary_*, any of the three
# crime day counts for top_offending_reduced.
def _substance_days(alias: str) -> str:
    cases = " ".join(
        f"WHEN '{substance}' THEN {alias}.{column}" for substance, column in codes.TOP_FIELD_OF_SUBSTANCE.items()
    )
    return f"CASE e.primary_substance {cases} END"


TOP_PAIRS_SQL = f"""
WITH ranked AS (
    SELECT t.*, row_number() OVER (
        PARTITION BY t.client_id
        ORDER BY t.top_date DESC,
                 CASE t.stage WHEN 'exit' THEN 2 WHEN 'review' THEN 1 ELSE 0 END DESC
    ) AS position
    FROM tops t WHERE t.top_date BETWEEN :start AND :end
      AND t.setting = 'community' AND t.stage IN ('start', 'review', 'exit')
),
later AS (
    SELECT r.*, coalesce(
        (SELECT e.id FROM episodes e WHERE e.client_id = r.client_id AND e.referral_date <= r.top_date
           AND (e.discharge_date IS NULL OR r.top_date <= e.discharge_date)),
        (SELECT e.id FROM episodes e WHERE e.client_id = r.client_id
           ORDER BY e.referral_date DESC LIMIT 1)) AS episode_id
    FROM ranked r WHERE r.position = 1 AND r.stage IN ('review', 'exit')
),
pairs AS (
    SELECT l.id AS later_id, l.episode_id, (
        SELECT s.id FROM tops s JOIN episodes e ON e.id = l.episode_id
        WHERE s.client_id = l.client_id AND s.stage = 'start' AND s.setting = 'community'
          AND s.top_date >= e.referral_date
          AND julianday(l.top_date) - julianday(s.top_date) >= 28
        ORDER BY s.top_date DESC LIMIT 1) AS start_id
    FROM later l
),
measured AS (
    SELECT {_substance_days("st")} AS start_use, {_substance_days("lt")} AS later_use,
           st.shoplifting_days + st.drug_selling_days + st.other_theft_days AS start_crime,
           lt.shoplifting_days + lt.drug_selling_days + lt.other_theft_days AS later_crime
    FROM pairs p
    JOIN tops st ON st.id = p.start_id
    JOIN tops lt ON lt.id = p.later_id
    JOIN episodes e ON e.id = p.episode_id
)
SELECT count(*) AS pairs,
       coalesce(sum(start_use > 0 AND later_use IS NOT NULL), 0) AS using_at_start,
       coalesce(sum(start_use > 0 AND later_use = 0), 0) AS abstinent,
       coalesce(sum(start_use > 0 AND later_use < start_use), 0) AS reduced,
       coalesce(sum(start_crime > 0 AND later_crime < start_crime), 0) AS offending_reduced
FROM measured
"""


def _top(column: str):
    def compute(db, params) -> Rows:
        row = dict(
            zip(
                ("pairs", "using_at_start", "abstinent", "reduced", "offending_reduced"),
                db.execute(TOP_PAIRS_SQL, params).fetchone(),
                strict=False,
            )
        )
        return [("all", row[column])]

    return compute


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "referrals_received",
            False,
            _count_with_breakdowns(REFERRED, {"pathway": "e.pathway", "referral_source": "e.referral_source"}),
        ),
        Measure("new_starts", False, _count_with_breakdowns(STARTED, {"pathway": "e.pathway"})),
        Measure(
            "new_starts_waited_over_21_days",
            False,
            _count_with_breakdowns(f"{STARTED} AND julianday(e.start_date) - julianday(e.referral_date) > 21", {}),
        ),
        Measure(
            "in_treatment_at_end",
            False,
            _count_with_breakdowns(f"{OPEN_AT_END} AND e.start_date <= :end", {"pathway": "e.pathway"}),
        ),
        Measure(
            "awaiting_start_at_end",
            False,
            _count_with_breakdowns(f"{OPEN_AT_END} AND (e.start_date IS NULL OR e.start_date > :end)", {}),
        ),
        Measure(
            "awaiting_start_over_21_days_at_end",
            False,
            _count_with_breakdowns(
                f"{OPEN_AT_END} AND (e.start_date IS NULL OR e.start_date > :end) "
                "AND julianday(:end) - julianday(e.referral_date) > 21",
                {},
            ),
        ),
        Measure(
            "discharges",
            False,
            _count_with_breakdowns(DISCHARGED, {"outcome": OUTCOME_SQL, "discharge_reason": V1_REASON_SQL}),
        ),
        Measure(
            "planned_exit_rate",
            True,
            _rate(
                f"SELECT count(*) FROM episodes e WHERE {DISCHARGED} AND e.start_date IS NOT NULL "
                f"AND {OUTCOME_SQL} = 'planned'",
                f"SELECT count(*) FROM episodes e WHERE {DISCHARGED} AND e.start_date IS NOT NULL "
                f"AND {OUTCOME_SQL} IN ('planned', 'unplanned')",
            ),
        ),
        Measure("closed_before_start", False, _count_with_breakdowns(f"{DISCHARGED} AND e.start_date IS NULL", {})),
        Measure("appointments", False, _appointments),
        Measure(
            "attendance_rate",
            True,
            _rate(
                f"SELECT count(*) FROM sessions s WHERE {COUNTED_FOR_ATTENDANCE} AND s.status = 'attended'",
                f"SELECT count(*) FROM sessions s WHERE {COUNTED_FOR_ATTENDANCE} AND s.status IN ('attended', 'dna')",
            ),
        ),
        Measure(
            "clients_seen",
            False,
            lambda db, params: [
                (
                    "all",
                    _scalar(
                        db,
                        f"SELECT count(DISTINCT s.client_id) FROM sessions s WHERE {IN_PERIOD} AND s.status = 'attended'",
                        params,
                    ),
                )
            ],
        ),
        Measure(
            "continuity_of_care_rate",
            True,
            _rate(
                f"SELECT count(*) FROM releases r WHERE {RELEASED} AND {CONTINUITY_ENGAGED}",
                f"SELECT count(*) FROM releases r WHERE {RELEASED}",
            ),
        ),
        Measure(
            "goals_set",
            False,
            _count_with_breakdowns("g.set_date BETWEEN :start AND :end", {"goal_domain": "g.domain"}, table="goals g"),
        ),
        Measure(
            "goals_closed", False, _count_with_breakdowns(GOAL_CLOSED, {"goal_status": "g.status"}, table="goals g")
        ),
        Measure(
            "goals_achieved_rate",
            True,
            _rate(
                f"SELECT count(*) FROM goals g WHERE {GOAL_CLOSED} AND g.status = 'achieved'",
                f"SELECT count(*) FROM goals g WHERE {GOAL_CLOSED} AND g.status != 'withdrawn'",
            ),
        ),
        Measure(
            "court_hearings",
            False,
            _count_with_breakdowns(
                "d.hearing_at >= :start AND d.hearing_at < :after_end",
                {"hearing_type": "d.hearing_type"},
                table="court_dates d",
            ),
        ),
        Measure(
            "new_starts_by_age",
            False,
            _count_with_breakdowns(STARTED, {"age_band": AGE_BAND_SQL}, table=STARTS_BY_CLIENT, include_all=False),
        ),
        Measure(
            "new_starts_by_sex",
            False,
            _count_with_breakdowns(STARTED, {"sex": SEX_SQL}, table=STARTS_BY_CLIENT, include_all=False),
        ),
        Measure(
            "new_starts_by_ethnicity",
            False,
            _count_with_breakdowns(
                STARTED, {"ethnic_group": ETHNIC_GROUP_SQL}, table=STARTS_BY_CLIENT, include_all=False
            ),
        ),
        Measure("top_pairs", False, _top("pairs")),
        Measure("top_primary_using_at_start", False, _top("using_at_start")),
        Measure("top_primary_abstinent", False, _top("abstinent")),
        Measure("top_primary_reduced", False, _top("reduced")),
        Measure("top_offending_reduced", False, _top("offending_reduced")),
    )
}


def compute(db: sqlite_utils.Database, name: str, period: Period) -> Rows:
    """The rows of one measure for a period: (group, count) or (group, (numerator, denominator))."""
    return MEASURES[name].compute(db, _params(period))
