"""Importing `deaths.csv` (DOMAIN.md): one death per client, its date past and not before the date
of birth. The records must already agree (reading): the episode open on the date of death is
discharged `died` on that date, no episode is referred after it, and no attended appointment,
custody event, order event, TOP or intervention is dated after it. deaths.csv is the last file
of an import, so what this import brings is in the database by now; every such problem is
reported on the death's row, in `date_of_death`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cjcase.domain.clinical import check_death
from cjcase.services.deaths import later_records, open_episode_on
from cjcase.services.importing.sheets import Sheet
from cjcase.services.importing.writer import write_children
from cjcase.store.bulk import query_in

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def import_deaths(run: Checker, sheet: Sheet) -> None:
    """Check every row of deaths.csv against the client's other records and write the rows that pass."""
    rows = run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet))))
    born = {
        found["id"]: found["date_of_birth"]
        for found in query_in(
            run.db,
            "SELECT id, date_of_birth FROM clients WHERE id IN ({marks})",
            {run.client_ids[r.client_ref] for r in rows},
        )
    }
    kept = []
    for row in rows:
        client_id = run.client_ids[row.client_ref]
        problems = [
            (error.field, run.sentence(error.message))
            for error in check_death(row.values, born.get(client_id), run.today)
        ]
        died = row.values["date_of_death"]
        if not problems:
            episode = open_episode_on(run.db, client_id, died)
            if episode and (episode["discharge_reason"] != "died" or episode["discharge_date"] != died):
                referred = date.fromisoformat(episode["referral_date"])
                problems.append(
                    (
                        "date_of_death",
                        f"the episode referred on {referred:%d/%m/%Y} is open on the date of death: "
                        f"it needs discharge_date {died} and discharge_reason died",
                    )
                )
            for later in later_records(run.db, client_id, died):
                problems.append(("date_of_death", f"the client has {later}, after the date of death"))
        for field, message in problems:
            run.problem(sheet, row.line, field, message)
        if not problems:
            kept.append(row)
    if sheet.writable:
        write_children(run.db, "deaths", kept, run.client_ids, run.report, None, run.touched)  # type: ignore[attr-defined]
