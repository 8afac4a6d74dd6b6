"""Importing `interventions.csv` (DOMAIN.md): kind and date required, the date past, an `other`
with notes. Key: client_ref + kind + date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cjcase.domain.clinical import check_intervention
from cjcase.services.importing.sheets import Sheet
from cjcase.services.importing.writer import write_children

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def import_interventions(run: Checker, sheet: Sheet) -> None:
    """Check every row of interventions.csv and write the rows that pass."""
    kept = []
    for row in run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet)))):
        problems = check_intervention(row.values, run.today)
        for error in problems:
            run.problem(sheet, row.line, error.field, run.sentence(error.message))
        if not problems:
            kept.append(row)
    if sheet.writable:
        write_children(run.db, "interventions", kept, run.client_ids, run.report, None, run.touched)  # type: ignore[attr-defined]
