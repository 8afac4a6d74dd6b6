"""The import rules of a TOP that read other records: a post-treatment-exit TOP needs a discharge
of the client on or before its date (the episodes of this import are written by then)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cjcase.domain import rules
from cjcase.services.importing.sheets import Row, Sheet
from cjcase.services.tops import discharged_by

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def with_discharge(checker: Checker, sheet: Sheet, rows: list[Row]) -> list[Row]:
    """The rows that keep the rule; each other is a problem on its `stage`."""
    kept = []
    for row in rows:
        if row.values.get("stage") == "post_treatment_exit" and not discharged_by(
            checker.db, checker.client_ids[row.client_ref], row.values["date"]
        ):
            checker.problem(sheet, row.line, "stage", _sentence(rules.POST_TREATMENT_EXIT_NEEDS))
            continue
        kept.append(row)
    return kept


def _sentence(message: str) -> str:
    """The import report's form of a rule: lower-case first letter, no full stop."""
    return message[:1].lower() + message[1:].rstrip(".")
