"""Rules of record that read other records, for the sheets of the criminal-justice pathway: a
custody event's client is an adult on the day of the arrest; a session's RA or RoB stage and its
absence decision are checked against the custody events, requirements and orders already written
(this import's earlier files and the database together, DOMAIN.md "Order of files")."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cjcase.domain.dates import age_on
from cjcase.services import legal
from cjcase.services.importing.sheets import Row, Sheet
from cjcase.store.bulk import query_in

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def check_linked(checker: Checker, sheet: Sheet, rows: list[Row]) -> list[Row]:
    """The rows that keep every rule reading other records; the others become problems."""
    if sheet.name == "custody_events":
        return _custody_events(checker, sheet, rows)
    if sheet.name == "sessions":
        return _sessions(checker, sheet, rows)
    return rows


def _custody_events(checker: Checker, sheet: Sheet, rows: list[Row]) -> list[Row]:
    born = {
        found["client_ref"]: found["date_of_birth"]
        for found in query_in(
            checker.db,
            "SELECT client_ref, date_of_birth FROM clients WHERE client_ref IN ({marks})",
            {row.client_ref for row in rows},
        )
    }
    kept = []
    for row in rows:
        arrested = date.fromisoformat(row.values["arrested_at"][:10])
        age = age_on(date.fromisoformat(born[row.client_ref]), arrested)
        if age < 18:
            checker.problem(
                sheet,
                row.line,
                "arrested_at",
                f"the client was {age} on the day of the arrest: testing on arrest and the Required "
                "Assessment apply from 18",
            )
        else:
            kept.append(row)
    return kept


def _sessions(checker: Checker, sheet: Sheet, rows: list[Row]) -> list[Row]:
    kept = []
    for row in rows:
        # Only the few sessions with a legal stage or an absence decision read other records.
        if not (row.values.get("requirement") or row.values.get("absence")):
            kept.append(row)
            continue
        problems = legal.session_problems(checker.db, checker.client_ids[row.client_ref], row.values)
        for error in problems:
            checker.problem(sheet, row.line, error.field, _lower_first(error.message))
        if not problems:
            kept.append(row)
    return kept


def _lower_first(message: str) -> str:
    message = message.rstrip(".")
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message
