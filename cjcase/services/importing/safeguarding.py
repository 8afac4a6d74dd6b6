"""Importing `safeguarding.csv` (DOMAIN.md): raised date, with whom and category required; both
dates past; closed on or after raised, with an outcome. Key: client_ref + raised_date +
category. An imported concern's last update is its raised date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cjcase.domain.clinical import check_safeguarding
from cjcase.services.importing.sheets import Sheet
from cjcase.services.importing.writer import write_children

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def import_safeguarding(run: Checker, sheet: Sheet) -> None:
    """Check every row of safeguarding.csv and write the rows that pass."""
    kept = []
    for row in run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet)))):
        problems = check_safeguarding(row.values, run.today)
        for error in problems:
            run.problem(sheet, row.line, error.field, run.sentence(error.message))
        if not problems:
            kept.append(row)
    if sheet.writable:
        write_children(run.db, "safeguarding", kept, run.client_ids, run.report, None, run.touched)  # type: ignore[attr-defined]
