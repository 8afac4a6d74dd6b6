"""Data-quality checks run before a return: what would make its figures doubtful."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from cjcase.domain.dates import Period


@dataclass
class Finding:
    """One kind of doubtful record: a sentence for the cover, and the references to fix."""

    message: str
    client_refs: list[str] = field(default_factory=list)


def findings(db: sqlite_utils.Database, period: Period, now: datetime) -> list[Finding]:
    """Every check that found something, for a period, as of `now`."""
    start, end = period.start.isoformat(), period.end.isoformat()
    after_end = (period.end + timedelta(days=1)).isoformat()
    as_of = min(period.end, now.date())
    checks = [
        (
            "{n} past session{s} in the period still marked scheduled (outcome not recorded)",
            """SELECT c.client_ref FROM sessions s JOIN clients c ON c.id = s.client_id
            WHERE s.status = 'scheduled' AND s.starts_at >= ? AND s.starts_at < ? AND s.starts_at < ?""",
            [start, after_end, now.strftime("%Y-%m-%d %H:%M")],
        ),
        (
            "{n} referral{s} open 21 days or more with no start",
            """SELECT c.client_ref FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.referral_date <= ? AND (e.discharge_date IS NULL OR e.discharge_date > ?)
              AND (e.start_date IS NULL OR e.start_date > ?)
              AND julianday(?) - julianday(e.referral_date) >= 21""",
            [end, end, end, as_of.isoformat()],
        ),
        (
            "{n} prison release{s} in the period with no session recorded since",
            """SELECT c.client_ref FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.prison_release_date BETWEEN ? AND ?
              AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = e.client_id
                              AND s.starts_at >= e.prison_release_date)""",
            [start, end],
        ),
        (
            "{n} client{s} in the period with sex or ethnicity not stated",
            """SELECT DISTINCT c.client_ref FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.referral_date <= ? AND (e.discharge_date IS NULL OR e.discharge_date >= ?)
              AND (c.sex = 'not_stated' OR c.ethnicity = 'Z')""",
            [end, start],
        ),
        (
            "{n} client{s} in the period with no answer recorded for consent to share "
            "(their extract rows are written in full)",
            """SELECT DISTINCT c.client_ref FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.referral_date <= ? AND (e.discharge_date IS NULL OR e.discharge_date >= ?)
              AND (c.consent_to_share IS NULL OR c.consent_to_share = '')""",
            [end, start],
        ),
    ]
    found = []
    for message, sql, params in checks:
        refs = sorted({row[0] for row in db.execute(sql, params).fetchall()})
        if refs:
            found.append(Finding(message.format(n=len(refs), s="" if len(refs) == 1 else "s"), refs))
    return found
