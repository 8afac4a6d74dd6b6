"""The rules of a TOP form that read more than the form itself: a post-treatment-exit TOP needs a
discharge (a rule of record), and no `review` TOP on the day of the `start` TOP (a rule of entry)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.errors import ValidationError


def discharged_by(db: sqlite_utils.Database, client_id: int, on: str) -> bool:
    """Whether the client has an episode discharged on or before a day (ISO text)."""
    return bool(
        db.execute(
            "SELECT 1 FROM episodes WHERE client_id = ? AND discharge_date <= ? LIMIT 1", [client_id, on]
        ).fetchone()
    )


def record_problems(db: sqlite_utils.Database, client_id: int, clean: dict[str, Any]) -> list[ValidationError]:
    """The rules of record: across the items, and the discharge a post-treatment-exit TOP needs."""
    problems = rules.check_top(clean)
    if clean.get("stage") == "post_treatment_exit" and not discharged_by(db, client_id, clean["date"]):
        problems.append(ValidationError("stage", rules.POST_TREATMENT_EXIT_NEEDS))
    return problems


def same_day_problem(
    db: sqlite_utils.Database, client_id: int, clean: dict[str, Any], top_id: int | None
) -> ValidationError | None:
    """A rule of entry: a review TOP is never entered on the day of the start TOP (nor a start TOP
    on the day of a review), since a review measures the change since the start."""
    other = {"review": "start", "start": "review"}.get(clean.get("stage") or "")
    if other is None:
        return None
    found = db.execute(
        "SELECT 1 FROM tops WHERE client_id = ? AND top_date = ? AND stage = ? AND id IS NOT ? LIMIT 1",
        [client_id, clean["date"], other, top_id],
    ).fetchone()
    if not found:
        return None
    if other == "start":
        return ValidationError(
            "date",
            "The start TOP is on this day: a review TOP measures the change since the start, so date it on a "
            "later day.",
        )
    return ValidationError(
        "date", "A review TOP is on this day: date the start TOP on the day it was done, before the review."
    )


def problems(
    db: sqlite_utils.Database, client_id: int, clean: dict[str, Any], top_id: int | None, entering: bool
) -> list[ValidationError]:
    """Everything the program checks before a TOP is saved: the rules of record, and with
    `entering` (a new TOP, or its date or stage changed) the rule of entry."""
    found = record_problems(db, client_id, clean)
    if entering and not found:
        problem = same_day_problem(db, client_id, clean, top_id)
        if problem:
            found.append(problem)
    return found
