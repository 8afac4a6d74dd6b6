"""Builds a return's table for a period: measures with suppression, or extract records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.dates import Period
from cjcase.returns import measures, ndtms_top
from cjcase.returns.template import Template
from cjcase.services.keys import get_key, pseudo_id, recipient_key
from cjcase.services.releases import RELEASE_OF_EPISODE

SUPPRESSED = "*"
# A cell: int (count), Decimal (rate), None (empty), "*" (suppressed), or text (codes, labels).
Cell = int | Decimal | str | None


@dataclass
class ReturnTable:
    """What a return holds before it is written: header, rows, and how it was made."""

    template: Template
    period: Period
    suppression: int | None
    header: list[str]
    rows: list[list[Cell]]
    # Extract rows of clients who did not consent to sharing: pseudo_id and the counts only.
    withheld: list[bool] = field(default_factory=list)
    # Lines the exporter adds to the cover (and the notes of CSV and JSON) when writing.
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def withheld_count(self) -> int:
        """How many rows carry only pseudo_id and the counts, for want of consent."""
        return sum(self.withheld)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage rounded half-up to one decimal place; None when the denominator is 0."""
    if denominator == 0:
        return None
    return (Decimal(100 * numerator) / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def suppress(count: int, threshold: int | None) -> int | str:
    """A count of 1 to threshold-1 becomes `*`; zero is shown."""
    if threshold and 1 <= count < threshold:
        return SUPPRESSED
    return count


def aggregate(db: sqlite_utils.Database, template: Template, period: Period, threshold: int | None) -> ReturnTable:
    """The long-form rows `measure, group, value` of an aggregate template."""
    rows: list[list[Cell]] = []
    for item in template.items:
        for code, value in measures.compute(db, item.name, period):
            if code in item.drop_groups:
                continue
            group = item.group_label(code)
            if isinstance(value, tuple):
                numerator, denominator = value
                shown_numerator = suppress(numerator, threshold)
                shown_denominator = suppress(denominator, threshold)
                shown: Cell = rate(numerator, denominator)
                if shown is not None and SUPPRESSED in (shown_numerator, shown_denominator):
                    shown = SUPPRESSED
                rows += [
                    [item.label, group, shown],
                    [item.numerator_label, group, shown_numerator],
                    [item.denominator_label, group, shown_denominator],
                ]
            else:
                rows.append([item.label, group, suppress(value, threshold)])
    return ReturnTable(template, period, threshold, ["measure", "group", "value"], rows)


# The columns of an extract row that are written for a client who did not consent to sharing.
CONSENT_FREE_COLUMNS = frozenset(("pseudo_id", "attended_in_period", "dna_in_period"))

EXTRACT_SQL = f"""
SELECT c.client_ref, c.consent_to_share, c.date_of_birth, c.sex, c.ethnicity, e.referral_date, e.referral_source,
       e.pathway, e.primary_substance, e.start_date, e.discharge_date, e.discharge_reason,
       (SELECT count(*) FROM sessions s WHERE s.client_id = e.client_id AND s.status = 'attended'
          AND {measures.APPOINTMENT}
          AND s.starts_at >= max(:start, e.referral_date)
          AND s.starts_at < date(min(:end, coalesce(e.discharge_date, :end)), '+1 day')) AS attended,
       (SELECT count(*) FROM sessions s WHERE s.client_id = e.client_id AND s.status = 'dna'
          AND {measures.APPOINTMENT}
          AND s.starts_at >= max(:start, e.referral_date)
          AND s.starts_at < date(min(:end, coalesce(e.discharge_date, :end)), '+1 day')) AS dna,
       (SELECT CASE WHEN count(*) = 0 THEN NULL WHEN max({measures.CONTINUITY_ENGAGED}) THEN 'yes' ELSE 'no' END
          FROM releases r WHERE {RELEASE_OF_EPISODE} AND {measures.RELEASED}) AS continuity_engaged
FROM episodes e JOIN clients c ON c.id = e.client_id
WHERE e.referral_date <= :end AND (e.discharge_date IS NULL OR e.discharge_date >= :start)
ORDER BY e.referral_date
"""


def extract(db: sqlite_utils.Database, template: Template, period: Period) -> ReturnTable:
    """One pseudonymised row per episode open at any time in the period."""
    from cjcase.domain.dates import age_on

    key = get_key(db)
    if template.recipient:
        key = recipient_key(key, template.recipient)
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if template.records == "tops":
        rows: list[list[Cell]] = []
        withheld: list[bool] = []
        for top, without_consent in ndtms_top.rows(db, params, key, pseudo_id):
            rows.append([top[item.name] for item in template.items])
            withheld.append(without_consent)
        return ReturnTable(template, period, None, [item.label for item in template.items], rows, withheld)
    found: list[tuple[tuple[str, str], list[Cell], bool]] = []
    for row in db.query(EXTRACT_SQL, params):
        age = age_on(date.fromisoformat(row["date_of_birth"]), date.fromisoformat(row["referral_date"]))
        record = {
            "pseudo_id": pseudo_id(key, row["client_ref"]),
            "age_band": codes.age_band(age),
            # A quick referral's empty sex and ethnicity are written as not stated / not known.
            "sex": row["sex"] or "not_stated",
            "ethnicity": row["ethnicity"] or "99",
            "pathway": row["pathway"],
            "referral_source": row["referral_source"],
            "primary_substance": row["primary_substance"],
            "referral_month": row["referral_date"][:7],
            "start_month": (row["start_date"] or "")[:7] or None,
            "discharge_month": (row["discharge_date"] or "")[:7] or None,
            "discharge_reason": codes.v1_reason(row["discharge_reason"]),
            "discharge_outcome": codes.OUTCOME_OF_REASON.get(row["discharge_reason"]),
            "attended_in_period": row["attended"],
            "dna_in_period": row["dna"],
            "continuity_engaged": row["continuity_engaged"],
        }
        _minimise(record, template)
        without_consent = row["consent_to_share"] == "no"
        if without_consent:
            # The NDTMS rule: without consent only the client's pseudonym and the counts are sent.
            record = {name: (value if name in CONSENT_FREE_COLUMNS else None) for name, value in record.items()}
        # In referral order, ties by pseudonym: never by row ids, which differ between one caseload
        # and the same records combined from several laptops (the two must give the same bytes).
        order = (row["referral_date"], pseudo_id(key, row["client_ref"]))
        found.append((order, [record[item.name] for item in template.items], without_consent))
    found.sort(key=lambda item: item[0])
    rows = [cells for _, cells, _ in found]
    withheld = [flag for _, _, flag in found]
    return ReturnTable(template, period, None, [item.label for item in template.items], rows, withheld)


def _minimise(record: dict[str, Cell], template: Template) -> None:
    """Coarsen a record as the template's minimisation says (columns dropped are not listed)."""
    from cjcase.domain.dates import quarter_of

    rules = template.minimisation
    if rules.ethnicity == "group" and record["ethnicity"]:
        record["ethnicity"] = codes.ethnic_group(str(record["ethnicity"]))
    if rules.months == "quarter":
        for column in ("referral_month", "start_month", "discharge_month"):
            month = record[column]
            if month:
                record[column] = quarter_of(date.fromisoformat(f"{month}-01")).label


def build(db: sqlite_utils.Database, template: Template, period: Period, threshold: int | None) -> ReturnTable:
    """The table of any template for a period."""
    if template.kind == "aggregate":
        return aggregate(db, template, period, threshold)
    return extract(db, template, period)
